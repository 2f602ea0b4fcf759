// records.ts: how MemoryStorage holds a job (times as epoch ms, payload and result as the JSON text it was given) and
// how a record becomes the fresh `Job` a caller gets. A record is never handed out, so callers cannot change storage.
import type { Job, JobError, JobState, NewJob } from '@jobsmith/core';

/** One stored job. Records are replaced, never mutated, so an older reference stays a consistent snapshot. */
export interface JobRecord {
  readonly id: string;
  readonly method: string;
  /** JSON text exactly as enqueued. */
  readonly payload: string;
  readonly queue: string;
  readonly priority: number;
  readonly state: JobState;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly timeoutMs: number | null;
  /** Epoch ms, as are the other instants. */
  readonly runAt: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly expiresAt: number | null;
  readonly lockedBy: string | null;
  readonly lockedUntil: number | null;
  readonly leaseId: string | null;
  readonly uniqueKey: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  /** JSON text of the handler's result. */
  readonly result: string | null;
  readonly lastError: Readonly<JobError> | null;
  readonly progress: number | null;
  /**
   * Stamp of the record's place in the indexes, renewed whenever that place changes; an index entry carrying an
   * older stamp is stale. Unique across the whole table, so a re-inserted id never revives an old entry.
   */
  readonly version: number;
}

/** The fields a transition may change. */
export type RecordPatch = Partial<Omit<JobRecord, 'id' | 'version'>>;

/** A fresh record for a job the core validated. */
export function recordFromNewJob(job: NewJob, version: number): JobRecord {
  const createdAt = job.createdAt.getTime();
  return {
    id: job.id,
    method: job.method,
    payload: job.payload,
    queue: job.queue,
    priority: job.priority,
    state: job.state,
    attempt: 0,
    maxAttempts: job.maxAttempts,
    timeoutMs: job.timeoutMs,
    runAt: job.runAt.getTime(),
    createdAt,
    updatedAt: createdAt,
    startedAt: null,
    finishedAt: null,
    expiresAt: null,
    lockedBy: null,
    lockedUntil: null,
    leaseId: null,
    uniqueKey: job.uniqueKey,
    metadata: { ...job.metadata },
    result: null,
    lastError: null,
    progress: null,
    version,
  };
}

/** A new `Job` object: dates, metadata and error copied, payload and result parsed from their JSON text. */
export function jobFromRecord(record: JobRecord): Job {
  return {
    id: record.id,
    method: record.method,
    payload: JSON.parse(record.payload),
    queue: record.queue,
    priority: record.priority,
    state: record.state,
    attempt: record.attempt,
    maxAttempts: record.maxAttempts,
    timeoutMs: record.timeoutMs,
    runAt: new Date(record.runAt),
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
    startedAt: toDate(record.startedAt),
    finishedAt: toDate(record.finishedAt),
    expiresAt: toDate(record.expiresAt),
    lockedBy: record.lockedBy,
    lockedUntil: toDate(record.lockedUntil),
    leaseId: record.leaseId,
    uniqueKey: record.uniqueKey,
    metadata: { ...record.metadata },
    result: record.result === null ? null : JSON.parse(record.result),
    lastError: record.lastError === null ? null : { ...record.lastError },
    progress: record.progress,
  };
}

/** Epoch ms of an optional date, keeping null. */
export function toMs(date: Date | null | undefined): number | null {
  return date == null ? null : date.getTime();
}

function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}
