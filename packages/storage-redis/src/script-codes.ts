// script-codes.ts: the numeric codes scripts return for a refused transition, and the one function that turns them
// into typed errors (BullMQ's way). Scripts that can refuse reply { code, ... }; 0 means done.
import {
  IllegalTransitionError,
  type Job,
  type JobState,
  NotFoundError,
  StorageError,
  UniqueKeyConflictError,
} from '@jobsmith/core';
import { type JobRow, toJob } from './rows.js';

/** First element of a `{ code, ... }` script reply. */
export enum ScriptCode {
  /** Done; the second element is the job's row (rows.ts JOB_FIELDS). */
  Ok = 0,
  /** The job does not exist. */
  NotFound = -1,
  /** The job's state does not allow the move; the second element is that state. */
  IllegalTransition = -2,
  /** Another unfinished job holds the job's uniqueKey; the second element is that key. */
  UniqueKeyConflict = -3,
}

/** What the caller was attempting, so the error can name it. */
export interface ScriptCall {
  operation: string;
  jobId: string;
  /** The state the transition leads to. */
  to: JobState;
}

/** The typed error for a refusing reply `[code, detail]`. */
export function scriptError(code: number, detail: unknown, call: ScriptCall): Error {
  switch (code) {
    case ScriptCode.NotFound:
      return new NotFoundError(call.operation, call.jobId);
    case ScriptCode.IllegalTransition:
      return new IllegalTransitionError(call.operation, call.jobId, detail as JobState, call.to);
    case ScriptCode.UniqueKeyConflict:
      return new UniqueKeyConflictError(call.operation, call.jobId, String(detail));
    default:
      return new StorageError(call.operation, { detail: `unexpected script code ${code}` });
  }
}

/** A `{ code, detail }` reply as the job, or the typed error its code maps to. */
export function jobOrError(reply: unknown, call: ScriptCall): Job {
  const [code, detail] = reply as [number, unknown];
  if (code !== ScriptCode.Ok) throw scriptError(code, detail, call);
  return toJob(detail as JobRow);
}
