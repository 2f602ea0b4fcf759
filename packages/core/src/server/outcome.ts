// server/outcome.ts: what the end of a run means for its job, as pure functions of (job, what the handler did, now,
// config): `succeeded` with its JSON result, `awaiting_retry` at a time the retry policy or the handler picks, or
// `failed`. retry.ts says how long to wait; this file says whether an attempt is left.
import { UnrecoverableError } from '../errors.js';
import type { Job, JobError, JsonValue } from '../job.js';
import { type RetryPolicy, retryDelayMs } from '../retry.js';
import type { FinishOutcome } from '../storage.js';
import { serializeJson } from '../validation.js';
import { WorkerResult } from '../worker-result.js';

/** The config slice outcomes depend on. */
export interface OutcomeConfig {
  /** 0 deletes the job in the write that finishes it. */
  succeededTtlMs: number;
  failedTtlMs: number;
  retryPolicy: RetryPolicy;
}

/** The handler returned `value`: success, or a retry it asked for (`WorkerResult.retry`). */
export function returnOutcome(job: Job, value: unknown, now: Date, config: OutcomeConfig): FinishOutcome {
  if (WorkerResult.isRetry(value)) return requestedRetryOutcome(job, value.delayMs, now, config);
  let result: string;
  try {
    // Most handlers return nothing: skip the checked serializer (and its replacer) for that case.
    result = value == null ? 'null' : serializeJson('finish', 'result', value);
  } catch (error) {
    return failureOutcome(job, error, now, config);
  }
  const id = job.id;
  const leaseId = job.leaseId ?? '';
  if (config.succeededTtlMs === 0) return { id, leaseId, to: 'succeeded', result, expiresAt: now, purge: true };
  return { id, leaseId, to: 'succeeded', result, expiresAt: after(now, config.succeededTtlMs) };
}

/** The attempt failed with `error`: retry by the policy while attempts remain, else fail. */
export function failureOutcome(job: Job, error: unknown, now: Date, config: OutcomeConfig): FinishOutcome {
  const lastError = toJobError(error);
  if (!(error instanceof UnrecoverableError) && job.attempt < job.maxAttempts) {
    const delay = policyDelay(config.retryPolicy, job, error);
    if (delay !== null) return retryOutcome(job, lastError, after(now, delay));
  }
  return failedOutcome(job, lastError, now, config);
}

/** The run's job after a persisted finish, as events report it. */
export function finishedJob(job: Job, outcome: FinishOutcome, now: Date): Job {
  const finished = outcome.to !== 'awaiting_retry';
  return {
    ...job,
    state: outcome.to,
    updatedAt: now,
    lockedBy: null,
    lockedUntil: null,
    leaseId: null,
    runAt: outcome.runAt ?? job.runAt,
    finishedAt: finished ? now : null,
    expiresAt: finished ? (outcome.expiresAt ?? null) : null,
    result: outcome.result == null ? null : (JSON.parse(outcome.result) as JsonValue),
    lastError: outcome.error ?? (outcome.to === 'succeeded' ? job.lastError : null),
  };
}

/** The run's job after a persisted hand-back: `enqueued`, attempt refunded. */
export function releasedJob(job: Job, now: Date): Job {
  return {
    ...job,
    state: 'enqueued',
    attempt: Math.max(0, job.attempt - 1),
    updatedAt: now,
    lockedBy: null,
    lockedUntil: null,
    leaseId: null,
  };
}

/**
 * Name, message and stack of whatever was thrown, always as strings: a thrown value is the handler's, so any field may
 * be missing, of another type, or a getter that throws, and none of that may spoil the outcome (or its batch).
 */
export function toJobError(error: unknown): JobError {
  if (error instanceof Error) {
    const out: JobError = {
      name: readText(error, 'name') ?? 'Error',
      message: readText(error, 'message') ?? '',
    };
    const stack = readText(error, 'stack');
    if (stack !== undefined) out.stack = stack;
    return out;
  }
  return { name: 'Error', message: typeof error === 'string' ? error : safeString(error) };
}

/** `error[field]` as a string; undefined when absent or when reading it throws. */
function readText(error: Error, field: 'name' | 'message' | 'stack'): string | undefined {
  try {
    const value: unknown = error[field];
    if (value === undefined || value === null) return undefined;
    return typeof value === 'string' ? value : safeString(value);
  } catch {
    return undefined;
  }
}

function requestedRetryOutcome(job: Job, delayMs: number, now: Date, config: OutcomeConfig): FinishOutcome {
  if (job.attempt >= job.maxAttempts) {
    const message = `the handler asked for a retry, but all ${job.maxAttempts} attempt(s) are spent`;
    return failedOutcome(job, { name: 'RetryRequested', message }, now, config);
  }
  const delay = Number.isFinite(delayMs) && delayMs > 0 ? Math.ceil(delayMs) : 0;
  return retryOutcome(job, null, after(now, delay));
}

function retryOutcome(job: Job, error: JobError | null, runAt: Date): FinishOutcome {
  return { id: job.id, leaseId: job.leaseId ?? '', to: 'awaiting_retry', error, runAt };
}

function failedOutcome(job: Job, error: JobError, now: Date, config: OutcomeConfig): FinishOutcome {
  return { id: job.id, leaseId: job.leaseId ?? '', to: 'failed', error, expiresAt: after(now, config.failedTtlMs) };
}

/** The policy's delay; a custom policy that throws counts as "fail now" (its error is not the job's). */
function policyDelay(policy: RetryPolicy, job: Job, error: unknown): number | null {
  try {
    const delay = retryDelayMs(policy, job.attempt, error, job);
    return delay !== null && Number.isFinite(delay) ? delay : null;
  } catch {
    return null;
  }
}

function after(now: Date, ms: number): Date {
  return new Date(now.getTime() + ms);
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return 'a non-Error value was thrown';
  }
}
