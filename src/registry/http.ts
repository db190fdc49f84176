import { messages } from '../messages.js';
import { shownUrl } from './names.js';

/** How patient the client is. */
export interface HttpPolicy {
  /** Per request, connection to last byte. */
  timeoutMs: number;
  /** Attempts after the first on 429 and 5xx answers. */
  retries: number;
  /** The longest `Retry-After` (or backoff) waited for; a registry that asks for more is given up on. */
  maxWaitMs: number;
  /** A line for `--verbose`; never given a credential. */
  log?: ((line: string) => void) | undefined;
}

export const DEFAULT_POLICY: HttpPolicy = { timeoutMs: 30_000, retries: 3, maxWaitMs: 10_000 };

/** A request that got no HTTP answer: the connection, TLS or the timeout failed. */
export class NoAnswer extends Error {
  override readonly name = 'NoAnswer';
}

/** Runs at most `size` tasks at once, the others in arrival order. */
export class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Why a fetch got no answer, in words (undici puts the system error in `cause`). */
function describeFailure(error: unknown, timeoutMs: number): string {
  const failure = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (failure.name === 'TimeoutError') return messages.registryTimeout(timeoutMs / 1000);
  const cause = failure.cause;
  if (cause?.code !== undefined) return cause.code === 'ENOTFOUND' ? messages.registryNoSuchHost() : cause.code;
  return cause?.message ?? failure.message ?? String(error);
}

const RETRIED = (status: number) => status === 429 || status >= 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One request with Node's fetch (undici's pooled keep-alive connections, so requests to one
 * registry reuse them), a timeout per attempt, and a bounded retry on 429 and 5xx that honours
 * `Retry-After`. Throws NoAnswer when no HTTP answer came; returns every answer, the last one
 * when retries run out or the registry asks to wait longer than the policy allows.
 */
export async function request(url: URL, init: RequestInit, policy: HttpPolicy): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(policy.timeoutMs) });
    } catch (error) {
      throw new NoAnswer(describeFailure(error, policy.timeoutMs), { cause: error });
    }
    policy.log?.(messages.registryExchange(init.method ?? 'GET', shownUrl(url), response.status));
    if (!RETRIED(response.status) || attempt >= policy.retries) return response;
    const wait = retryAfterMs(response.headers.get('retry-after')) ?? 250 * 2 ** attempt;
    if (wait > policy.maxWaitMs) return response;
    await settle(response);
    policy.log?.(messages.registryRetry(shownUrl(url), wait / 1000));
    await sleep(wait);
  }
}

/**
 * Lets go of a response: its body is dropped unless it was read, and one turn of the event loop
 * passes so that undici returns the connection to its pool before the next request asks for one
 * (otherwise a request right after another opens a new connection).
 */
export async function settle(response: Response): Promise<void> {
  // A body that will not cancel (its stream already errored) is dropped with the response.
  if (!response.bodyUsed) await response.body?.cancel().catch(() => undefined);
  await new Promise((resolve) => setImmediate(resolve));
}

/** Reads a body, or gives undefined when the connection fails while it is read. */
export async function readBody(response: Response): Promise<Buffer | undefined> {
  try {
    return Buffer.from(await response.arrayBuffer());
  } catch {
    return undefined;
  }
}
