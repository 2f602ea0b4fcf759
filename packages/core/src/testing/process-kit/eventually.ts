// eventually.ts: a bounded poll for state that sends no event to the test (rows in another process's store). Real
// time on purpose: the state changes in other processes, which no clock here drives; the poll ends as soon as the
// check passes, or fails after the bound saying what it waited for.
import { systemClock } from '../../clock.js';

export interface EventuallyOptions {
  /** Give up after this long, in ms. @defaultValue 10000 */
  timeoutMs?: number;
  /** Pause between checks, in ms. @defaultValue 50 */
  intervalMs?: number;
}

/** Resolves with the first value `check` returns other than undefined; rejects after `timeoutMs` naming `what`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  { timeoutMs = 10_000, intervalMs = 50 }: EventuallyOptions = {},
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await systemClock.sleep(intervalMs);
  }
}
