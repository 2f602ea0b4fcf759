// server/outcome.ts: what the end of a run means for its job, as pure functions of (job, what the handler did, now,
// config): `succeeded` with its JSON result, `awaiting_retry` at a time the retry policy or the handler picks,
// `scheduled` when the handler snoozes (attempt refunded), or `failed`. retry.ts says how long to wait; this file says
// whether an attempt is left.
import { UnrecoverableError, ValidationError } from '../errors.js';
import type { Job, JobError, JsonValue } from '../job.js';
import { type RetryPolicy, retryDelayMs } from '../retry.js';
import type { FinishOutcome } from '../storage.js';
import { checkDelay, MAX_INSTANT_MS, serializeJson } from '../validation.js';
import { WorkerResult } from '../worker-result.js';

/** The config slice outcomes depend on. */
export interface OutcomeConfig {
  /** 0 deletes the job in the write that finishes it. */
  succeededTtlMs: number;
  failedTtlMs: number;
  retryPolicy: RetryPolicy;
}

/** The handler returned `value`: success, or a retry or snooze it asked for (`WorkerResult.retry` / `.snooze`). */
export function returnOutcome(job: Job, value: unknown, now: Date, config: OutcomeConfig): FinishOutcome {
  if (WorkerResult.isRetry(value)) return requestedRetryOutcome(job, value.delayMs, now, config);
  if (WorkerResult.isSnooze(value)) return snoozeOutcome(job, value.delayMs, now, config);
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

/**
 * The attempt failed with `error`: retry by the policy while attempts remain, else fail. A policy delay that cannot
 * be stored (not a finite number, or a retry past MAX_INSTANT_MS) fails the job now, never clamped: see retryOrFail.
 */
export function failureOutcome(job: Job, error: unknown, now: Date, config: OutcomeConfig): FinishOutcome {
  const lastError = toJobError(error);
  if (!(error instanceof UnrecoverableError) && job.attempt < job.maxAttempts) {
    const delay = policyDelay(config.retryPolicy, job, error);
    if (delay !== null)
      return retryOrFail(job, { operation: 'retryPolicy', field: 'delay', delay }, lastError, now, config);
  }
  return failedOutcome(job, lastError, now, config);
}

/** The run's job after a persisted finish, as events report it. */
export function finishedJob(job: Job, outcome: FinishOutcome, now: Date): Job {
  const snoozed = outcome.to === 'scheduled';
  const finished = outcome.to !== 'awaiting_retry' && !snoozed;
  return {
    ...job,
    state: outcome.to,
    attempt: snoozed ? Math.max(0, job.attempt - 1) : job.attempt,
    updatedAt: now,
    lockedBy: null,
    lockedUntil: null,
    leaseId: null,
    runAt: outcome.runAt ?? job.runAt,
    finishedAt: finished ? now : null,
    expiresAt: finished ? (outcome.expiresAt ?? null) : null,
    result: outcome.result == null ? null : (JSON.parse(outcome.result) as JsonValue),
    lastError: snoozed ? job.lastError : (outcome.error ?? (outcome.to === 'succeeded' ? job.lastError : null)),
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
 * The run's job once cancelled, as far as a server told only its id knows it: `deleted`, lease cleared. Its stored
 * `expiresAt` (the cancelling client's TTL) is unknown here, so it stays as the claim read it.
 */
export function cancelledJob(job: Job, now: Date): Job {
  return {
    ...job,
    state: 'deleted',
    updatedAt: now,
    finishedAt: now,
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
  const chosen = { operation: 'WorkerResult.retry', field: 'options.delayMs', delay: delayMs };
  return retryOrFail(job, chosen, null, now, config);
}

/**
 * Back to `scheduled` `delayMs` from now with the attempt refunded (storage does the refund): no attempt check, a
 * snooze never fails a job by itself. A runAt that cannot be stored fails it, as a retry's does (laterOrFailed).
 */
function snoozeOutcome(job: Job, delayMs: number, now: Date, config: OutcomeConfig): FinishOutcome {
  const chosen = { operation: 'WorkerResult.snooze', field: 'options.delayMs', delay: delayMs, instead: 'snoozing' };
  const later = laterOrFailed(job, chosen, null, now, config);
  if (!(later instanceof Date)) return later;
  return { id: job.id, leaseId: job.leaseId ?? '', to: 'scheduled', runAt: later };
}

/** A retry or snooze delay as chosen, who chose it (what a ValidationError about it names) and what it was for. */
interface ChosenDelay {
  operation: string;
  field: string;
  delay: number;
  /** What the job does not do when the delay fails it: 'retrying', 'snoozing'. */
  instead: string;
}

/** A retry `chosen.delay` ms from now, or `failed` when that instant cannot be stored (laterOrFailed). */
function retryOrFail(
  job: Job,
  chosen: Omit<ChosenDelay, 'instead'>,
  lastError: JobError | null,
  now: Date,
  config: OutcomeConfig,
): FinishOutcome {
  const later = laterOrFailed(job, { ...chosen, instead: 'retrying' }, lastError, now, config);
  return later instanceof Date ? retryOutcome(job, lastError, later) : later;
}

/**
 * The instant `chosen.delay` ms from now, or, when it cannot be stored (validation.ts checkDelay), the `failed`
 * outcome with a ValidationError naming who chose it (the attempt's own error quoted after it). Failing, not clamping:
 * a job parked until the year 9999 would look alive and never run, where a failed one shows the bug and can be retried
 * by hand. Either way the job leaves `processing`: an outcome storage refuses would strand it there.
 */
function laterOrFailed(
  job: Job,
  chosen: ChosenDelay,
  lastError: JobError | null,
  now: Date,
  config: OutcomeConfig,
): Date | FinishOutcome {
  try {
    return checkDelay(chosen.operation, chosen.field, chosen.delay, now);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const cause =
      lastError === null ? '' : `; the attempt failed with ${lastError.name ?? 'Error'}: ${lastError.message}`;
    const failure: JobError = {
      name: error.name,
      message: `${error.message}, so the job failed instead of ${chosen.instead}${cause}`,
    };
    if (lastError?.stack !== undefined) failure.stack = lastError.stack;
    return failedOutcome(job, failure, now, config);
  }
}

function retryOutcome(job: Job, error: JobError | null, runAt: Date): FinishOutcome {
  return { id: job.id, leaseId: job.leaseId ?? '', to: 'awaiting_retry', error, runAt };
}

function failedOutcome(job: Job, error: JobError, now: Date, config: OutcomeConfig): FinishOutcome {
  return { id: job.id, leaseId: job.leaseId ?? '', to: 'failed', error, expiresAt: after(now, config.failedTtlMs) };
}

/** The policy's delay, unchecked; a custom policy that throws counts as "fail now" (its error is not the job's). */
function policyDelay(policy: RetryPolicy, job: Job, error: unknown): number | null {
  try {
    return retryDelayMs(policy, job.attempt, error, job);
  } catch {
    return null;
  }
}

/** An expiry `ms` after `now`. TTLs are bounded in config; the cap only matters to a clock past the year 8999. */
function after(now: Date, ms: number): Date {
  return new Date(Math.min(now.getTime() + ms, MAX_INSTANT_MS));
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return 'a non-Error value was thrown';
  }
}
