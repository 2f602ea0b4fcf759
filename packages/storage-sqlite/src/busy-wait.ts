// busy-wait.ts: waits for another connection's write lock without stalling the event loop. SQLite's own busy_timeout
// waits synchronously (every timer, socket and worker of the process freezes meanwhile), so an attempt runs with it
// off (Statements.withoutBusyWait) and a SQLITE_BUSY is retried here after a short async pause. An attempt must be one
// transaction, never more, so a retry never repeats a write that committed.
/** The pause before the first retry, in ms; it doubles up to BUSY_RETRY_MAX_DELAY_MS. */
export const BUSY_RETRY_FIRST_DELAY_MS = 1;
/** The longest pause between two attempts, in ms: how late, at most, a waiter notices that the lock came free. */
export const BUSY_RETRY_MAX_DELAY_MS = 50;

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT, _RECOVERY, _TIMEOUT): another connection holds a lock. */
export function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * The pause before retry `retry` (0 first), in ms: 1, 2, 4 … capped at 50, each jittered down to as little as half,
 * so processes that found the lock taken together do not all knock again together.
 */
export function busyRetryDelayMs(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BUSY_RETRY_MAX_DELAY_MS, BUSY_RETRY_FIRST_DELAY_MS * 2 ** retry);
  return ceiling / 2 + (random() * ceiling) / 2;
}

/**
 * Runs `attempt` (synchronously, so a first attempt that succeeds has written before this yields), and again after a
 * growing pause each time it throws a busy error, until `budgetMs` has passed since the first; then rethrows the last
 * error. Any other error is rethrown at once. Retrying is safe only because an attempt that fails busy has written
 * nothing: BEGIN IMMEDIATE fails before any write, and a failed COMMIT rolls back.
 */
export async function retryWhileBusy<T>(attempt: () => T, budgetMs: number): Promise<T> {
  // Real elapsed time, not the storage's Clock: the lock is held by another connection in real time, and a
  // ManualClock would never let the budget run out (nor a pause end).
  const startedAt = performance.now();
  for (let retry = 0; ; retry += 1) {
    try {
      return attempt();
    } catch (error) {
      const leftMs = budgetMs - (performance.now() - startedAt);
      if (!isBusyError(error) || leftMs <= 0) throw error;
      await pause(Math.min(busyRetryDelayMs(retry), leftMs));
    }
  }
}

/**
 * A plain timer, deliberately not unref'd (unlike Clock.sleep): it belongs to a call someone awaits, and at most
 * 50 ms, so it keeps a script alive until its write lands, as the write's I/O would.
 */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
