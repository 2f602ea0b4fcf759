// job-state.ts: a job's seven states and the only moves between them, spelled out once. It imports nothing, so
// errors.ts (whose IllegalTransitionError names two states) and job.ts (which throws it) build on it without a
// cycle.

/**
 * Where a job is in its life.
 * - `enqueued`: due and waiting; the dispatcher's `fetchAndLock` moves it to `processing`.
 * - `scheduled`: `runAt` is in the future (enqueued for later, or snoozed by its handler: `finish` from `processing`
 *   with the attempt refunded); the scheduler's `promoteDue` moves it to `enqueued` when due.
 * - `processing`: claimed under a lease; the executor's `finish` moves it on (to `scheduled` for a snooze),
 *   `release` (graceful stop) and the lease / dead-server sweeps hand it back to `enqueued`.
 * - `awaiting_retry`: failed an attempt, `runAt` is the next try; the scheduler's `promoteDue` re-enqueues it.
 * - `succeeded`, `failed`: finished; the cleanup loop's `purgeExpired` deletes it after `expiresAt`.
 *   A `failed` job may be re-enqueued by hand (`retryFailed`).
 * - `deleted`: cancelled before it finished; kept until `expiresAt`, then purged.
 */
export type JobState = 'enqueued' | 'scheduled' | 'processing' | 'succeeded' | 'failed' | 'awaiting_retry' | 'deleted';

export const JOB_STATES: readonly JobState[] = Object.freeze([
  'enqueued',
  'scheduled',
  'processing',
  'succeeded',
  'failed',
  'awaiting_retry',
  'deleted',
]);

/** States a job never leaves by itself; only these are purged by TTL. */
export const FINISHED_STATES: readonly JobState[] = Object.freeze(['succeeded', 'failed', 'deleted']);

/** The only moves a job may make. */
export const ALLOWED_TRANSITIONS: Readonly<Record<JobState, readonly JobState[]>> = Object.freeze({
  enqueued: ['processing', 'deleted'],
  scheduled: ['processing', 'enqueued', 'deleted'],
  awaiting_retry: ['processing', 'enqueued', 'deleted'],
  processing: ['succeeded', 'failed', 'awaiting_retry', 'scheduled', 'enqueued', 'deleted'],
  failed: ['enqueued'],
  succeeded: [],
  deleted: [],
});

export function isFinishedState(state: JobState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'deleted';
}

export function isTransitionAllowed(from: JobState, to: JobState): boolean {
  return ALLOWED_TRANSITIONS[from].includes(to);
}
