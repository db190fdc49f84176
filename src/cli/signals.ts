import { terminateChildren } from '../exec.js';
import { whenInterruptible } from '../lifecycle.js';
import { exitCodeForSignal, type ExitSignal } from './exitCode.js';

/**
 * With a handler installed, SIGINT, SIGTERM and SIGHUP are handled by the event loop: a rewrite
 * under way (manifests and index, see lifecycle.ts) finishes first, and the Nix processes this run
 * started, each in its own process group, are ended (TERM, then KILL) before the process exits.
 * Without one, Node would die at once, possibly between writing a temporary file and renaming
 * it, and leave Nix evaluating on its own.
 */
export function handleInterrupts(): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const satisfies readonly ExitSignal[]) {
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      void Promise.all([whenInterruptible(), terminateChildren()]).finally(() =>
        process.exit(exitCodeForSignal(signal)),
      );
    });
  }
}
