/**
 * How a run ends well. Work that must not be cut in half by Ctrl-C or SIGTERM: a rewrite of several manifests and its
 * index update. The CLI's signal handler waits for it (see cli/signals.ts); library code never
 * exits the process itself.
 */
let running = 0;
let settled: PromiseWithResolvers<void> | undefined;

export async function uninterruptible<T>(work: () => Promise<T>): Promise<T> {
  running++;
  try {
    return await work();
  } finally {
    running--;
    if (running === 0) {
      settled?.resolve();
      settled = undefined;
    }
  }
}

/** Settles once no uninterruptible work is running. */
export function whenInterruptible(): Promise<void> {
  if (running === 0) return Promise.resolve();
  settled ??= Promise.withResolvers<void>();
  return settled.promise;
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
