// server/backoff.ts: how long to wait after consecutive failures: a schedule that doubles up to a cap, spread with
// jitter so peers do not retry in lockstep. Pure arithmetic: the loops and the completer decide when to wait.

/** How a backoff grows: initialMs, doubling per consecutive failure, capped at maxMs, ±jitter. */
export interface BackoffSchedule {
  initialMs: number;
  maxMs: number;
  jitter: number;
}

/** The backoff after `failures` consecutive failures, by `schedule`. */
export function backoffMs(failures: number, schedule: BackoffSchedule): number {
  const base = Math.min(schedule.maxMs, schedule.initialMs * 2 ** Math.max(0, failures - 1));
  return jittered(base, schedule.jitter);
}

/** `schedule`, but never past `capMs` (jittered): for work that must land before a deadline. */
export function cappedBackoffMs(failures: number, capMs: number, schedule: BackoffSchedule): number {
  return Math.min(backoffMs(failures, schedule), jittered(capMs));
}

/** The most time between retries of work that must land before a lease lapses: 1 s, or a tenth of a shorter lease. */
export function leaseRetryCapMs(leaseMs: number): number {
  return Math.min(1000, leaseMs / 10);
}

/** `ms` spread ±`fraction` at random, so peers do not move in lockstep. */
export function jittered(ms: number, fraction = 0.25, random: () => number = Math.random): number {
  return Math.max(0, Math.round(ms * (1 + fraction * (2 * random() - 1))));
}
