import { exitCodeForSignal } from './exitCode.js';

/**
 * With a handler installed, SIGINT and SIGTERM are handled by the event loop: between two
 * synchronous steps (a manifest's write and rename) and never during one. Without one, Node would
 * die at once, possibly between writing a temporary file and renaming it.
 */
export function deferInterrupts(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    if (process.listenerCount(signal) === 0) process.once(signal, () => process.exit(exitCodeForSignal(signal)));
  }
}
