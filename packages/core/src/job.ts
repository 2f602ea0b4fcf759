// job.ts: the job model and the check every backend and loop runs before a move: anything off ALLOWED_TRANSITIONS
// (job-state.ts) is an IllegalTransitionError.
import { IllegalTransitionError } from './errors.js';
import { isTransitionAllowed, type JobState } from './job-state.js';

export {
  ALLOWED_TRANSITIONS,
  FINISHED_STATES,
  isFinishedState,
  isTransitionAllowed,
  JOB_STATES,
  type JobState,
} from './job-state.js';

/** A value that survives JSON.stringify / JSON.parse unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Throws IllegalTransitionError unless `from -> to` is allowed. */
export function assertTransition(operation: string, jobId: string, from: JobState, to: JobState): void {
  if (!isTransitionAllowed(from, to)) throw new IllegalTransitionError(operation, jobId, from, to);
}

/** What a failed attempt left behind. */
export interface JobError {
  message: string;
  stack?: string;
  /** The error's `name`, e.g. 'TypeError' or 'UnrecoverableError'. */
  name?: string;
}

/** A job as storage returns it. Dates are `Date`s; payload and result are parsed JSON. */
export interface Job<P = JsonValue, R = JsonValue> {
  /** UUIDv7 unless the caller chose one. */
  id: string;
  method: string;
  payload: P;
  queue: string;
  /** Higher runs first. */
  priority: number;
  state: JobState;
  /** Executions started so far (incremented at claim). */
  attempt: number;
  /** Executions allowed in all; 1 means no retry. */
  maxAttempts: number;
  /** Per-job timeout in ms; null uses the server's `jobTimeoutMs`. */
  timeoutMs: number | null;
  /** When the job is (or was) due. For enqueued jobs, the time they became due. */
  runAt: Date;
  createdAt: Date;
  updatedAt: Date;
  /** When the latest attempt was claimed. */
  startedAt: Date | null;
  /** When the job reached a finished state. */
  finishedAt: Date | null;
  /** When a finished job may be purged. */
  expiresAt: Date | null;
  /** Id of the server holding the lease, while processing. */
  lockedBy: string | null;
  /** When the lease lapses unless renewed. */
  lockedUntil: Date | null;
  /** Fencing token of the current claim; every write by the worker must present it. */
  leaseId: string | null;
  uniqueKey: string | null;
  metadata: Record<string, string>;
  result: R | null;
  lastError: JobError | null;
  /** Last value reported through `ctx.progress(n)`. */
  progress: number | null;
}

/**
 * A job as the core hands it to `Storage.enqueue`: validated and complete. `payload` is already JSON text, so every
 * backend stores exactly the bytes the core serialized and never re-encodes them.
 */
export interface NewJob {
  id: string;
  method: string;
  /** JSON text of the payload. */
  payload: string;
  queue: string;
  priority: number;
  /** `enqueued` when due now, `scheduled` when `runAt` is in the future. */
  state: 'enqueued' | 'scheduled';
  maxAttempts: number;
  timeoutMs: number | null;
  runAt: Date;
  createdAt: Date;
  uniqueKey: string | null;
  metadata: Record<string, string>;
  /**
   * What enqueue does when an unfinished job holds `uniqueKey`: `'keep'` answers that job as a duplicate;
   * `'replace'` (only with a uniqueKey) gives a not-started holder this job's payload, runAt, priority, metadata and
   * state, or takes the key from a started one and writes this job. An instruction, not a stored field.
   */
  onDuplicate: 'keep' | 'replace';
}
