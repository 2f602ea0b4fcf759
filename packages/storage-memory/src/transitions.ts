// transitions.ts: the field changes each job transition makes, as patches over a record. Whether a transition may
// happen (state, lease) is checked by the caller first; nothing here reads or writes the table.
import { randomId } from '@jobsmith/core';
import { copyJobError, type FinishOutcome } from '@jobsmith/core/storage';
import { type JobRecord, type RecordPatch, toMs } from './records.js';

/** Clears the lease, so a worker holding the old one can never write again. */
const NO_LEASE = { leaseId: null, lockedBy: null, lockedUntil: null } as const satisfies RecordPatch;

/** `enqueued` -> `processing` under a fresh lease. */
export function claimPatch(record: JobRecord, serverId: string, now: number, leaseMs: number): RecordPatch {
  return {
    state: 'processing',
    attempt: record.attempt + 1,
    leaseId: randomId(),
    lockedBy: serverId,
    lockedUntil: now + leaseMs,
    startedAt: now,
    updatedAt: now,
  };
}

/** `processing` -> the outcome's state (purge is the caller's: it deletes instead). Literal patches: a hot path. */
export function finishPatch(record: JobRecord, outcome: FinishOutcome, now: number): RecordPatch {
  switch (outcome.to) {
    case 'succeeded':
      return {
        leaseId: null,
        lockedBy: null,
        lockedUntil: null,
        state: 'succeeded',
        result: outcome.result ?? null,
        finishedAt: now,
        expiresAt: toMs(outcome.expiresAt),
        updatedAt: now,
      };
    case 'failed':
      return {
        ...NO_LEASE,
        state: 'failed',
        lastError: copyJobError(outcome.error),
        finishedAt: now,
        expiresAt: toMs(outcome.expiresAt),
        updatedAt: now,
      };
    case 'awaiting_retry':
      // runAt presence is validated before any write.
      return {
        ...NO_LEASE,
        state: 'awaiting_retry',
        lastError: copyJobError(outcome.error),
        runAt: outcome.runAt!.getTime(),
        updatedAt: now,
      };
    case 'scheduled':
      // A snooze: the attempt is refunded and lastError kept; the job table files it by runAt for promoteDue.
      return {
        ...NO_LEASE,
        state: 'scheduled',
        attempt: Math.max(0, record.attempt - 1),
        runAt: outcome.runAt!.getTime(),
        result: null,
        finishedAt: null,
        expiresAt: null,
        updatedAt: now,
      };
  }
}

/** `processing` -> `enqueued` on graceful stop: the attempt is refunded and the job keeps its place (runAt). */
export function releasePatch(record: JobRecord, now: number): RecordPatch {
  return { ...NO_LEASE, state: 'enqueued', attempt: Math.max(0, record.attempt - 1), updatedAt: now };
}

/**
 * A lease that lapsed or a server that died: back to `enqueued`, due now, keeping the spent attempt; or `failed`
 * when no attempt is left, so a job that kills its process cannot loop forever.
 */
export function lapsedPatch(record: JobRecord, now: number, failedExpiresAt: Date | null, reason: string): RecordPatch {
  if (record.attempt < record.maxAttempts) return { ...NO_LEASE, state: 'enqueued', runAt: now, updatedAt: now };
  return {
    ...NO_LEASE,
    state: 'failed',
    finishedAt: now,
    expiresAt: toMs(failedExpiresAt),
    lastError: { name: 'LeaseExpiredError', message: reason },
    updatedAt: now,
  };
}

/** Any unfinished state -> `deleted`, lease revoked. */
export function cancelPatch(now: number, expiresAt: Date | null): RecordPatch {
  return { ...NO_LEASE, state: 'deleted', finishedAt: now, expiresAt: toMs(expiresAt), updatedAt: now };
}

/** `failed` -> `enqueued` by hand: due now with every attempt available again; lastError is kept for the record. */
export function retryPatch(now: number): RecordPatch {
  return { state: 'enqueued', attempt: 0, runAt: now, finishedAt: null, expiresAt: null, updatedAt: now };
}
