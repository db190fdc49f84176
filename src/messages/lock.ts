/** The repository lock: user-facing strings (part of `messages`, src/messages.ts). */

export const lockMessages = {
  lockWaiting: (pid: number | undefined) =>
    `nixtag: waiting for another nixtag run on this repository${pid === undefined ? '' : ` (pid ${pid})`} to finish…`,
  lockTimeout: (pid: number | undefined, seconds: number) =>
    `Another nixtag run${pid === undefined ? '' : ` (pid ${pid})`} has held this repository's lock for the ${seconds} s this run waited; gave up.`,
  lockTimeoutHint: (lock: string) =>
    `Let that run finish and try again. If no nixtag is running, remove ${lock}. NIXTAG_LOCK_TIMEOUT sets how many seconds to wait.`,
  lockLost: () =>
    "Another nixtag run took this repository's lock while this one held it (this one was stopped or suspended for too long), so its result cannot be trusted.",
  lockLostHint: () => 'Run the command again; nothing was written after the lock was lost.',
};
