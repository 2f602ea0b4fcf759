// enqueue-options.ts: turns a caller's (method, payload, options) into a complete, validated NewJob. The only place
// that decides defaults for a job; storage receives nothing it has to check again.
import { ValidationError } from './errors.js';
import { uuidv7 } from './ids.js';
import type { NewJob } from './job.js';
import {
  checkDate,
  checkDelay,
  checkInteger,
  checkJobId,
  checkKnownKeys,
  checkMetadata,
  checkName,
  checkQueue,
  INT32_MAX,
  INT32_MIN,
  serializeJson,
} from './validation.js';

/** Options of `JobClient.enqueue`. */
export interface EnqueueOptions {
  /** Queue the job waits in. @defaultValue 'default' */
  queue?: string;
  /** Integer in int32 range; higher runs first. @defaultValue 0 */
  priority?: number;
  /** When the job becomes due, from 1970-01-01 to 9999-12-31T23:59:59.999Z. Exclusive with `delayMs`. @defaultValue now */
  runAt?: Date;
  /**
   * Milliseconds from now until the job is due, at most what keeps it due by 9999-12-31T23:59:59.999Z. Exclusive
   * with `runAt`. @defaultValue 0
   */
  delayMs?: number;
  /** Executions allowed in all (1 = no retry). @defaultValue 5 */
  maxAttempts?: number;
  /** Per-job timeout in ms; overrides the server's `jobTimeoutMs`. @defaultValue the server's */
  timeoutMs?: number;
  /** While a job with this key is unfinished, enqueue returns that job's id instead of adding one. */
  uniqueKey?: string;
  /**
   * What to do when an unfinished job holds `uniqueKey` (requires one). `'keep'` leaves that job as it is and returns
   * its id (`duplicate: true`). `'replace'` gives it this call's payload, runAt, priority and metadata if it has not
   * started yet (`duplicate: true`; with `delayMs`, a trailing debounce); a started one keeps running without the key,
   * and this job is enqueued holding it (`duplicate: false`). @defaultValue 'keep'
   */
  onDuplicate?: 'keep' | 'replace';
  /** String labels stored with the job. @defaultValue {} */
  metadata?: Record<string, string>;
  /** Caller-chosen id; enqueueing an existing id again returns it and adds nothing. @defaultValue a UUIDv7 */
  id?: string;
}

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_MAX_ATTEMPTS = 5;

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  'queue',
  'priority',
  'runAt',
  'delayMs',
  'maxAttempts',
  'timeoutMs',
  'uniqueKey',
  'onDuplicate',
  'metadata',
  'id',
]);

/**
 * Jobs buildNewJob made, frozen, each mapped to whether buildNewJob generated its id. The seam's input checks
 * (storage-kit/input-checks.ts) skip them: they guard direct Storage callers, and re-parsing every payload there was a
 * tenth of a bulk enqueue's time in Node. One map, not a set each: an insert per job is a bulk enqueue's cost too.
 */
const builtJobs = new WeakMap<NewJob, boolean>();

/** The metadata of every job enqueued without any: frozen, so one object serves them all. */
const NO_METADATA: Readonly<Record<string, string>> = Object.freeze({});

/** True for a job buildNewJob made: every field was checked then, and it cannot have changed since. */
export function isBuiltNewJob(job: unknown): boolean {
  return builtJobs.has(job as NewJob);
}

/**
 * True when buildNewJob generated the job's id (a UUIDv7): no other job can hold it, so a backend may write the job
 * without first looking for one (it still must not write a second copy should one exist).
 */
export function hasGeneratedId(job: NewJob): boolean {
  return builtJobs.get(job) === true;
}

/**
 * Validates and completes one job. `prefix` names the item in error fields (e.g. 'items[2].') for batch calls.
 */
export function buildNewJob(
  operation: string,
  method: unknown,
  payload: unknown,
  options: EnqueueOptions | undefined,
  now: Date,
  prefix = '',
): NewJob {
  const name = checkName(operation, `${prefix}method`, method);
  const text = serializeJson(operation, `${prefix}payload`, payload);
  const opts = checkOptionsObject(operation, `${prefix}options`, options);
  const field = (key: string) => `${prefix}options.${key}`;
  const runAt = resolveRunAt(operation, opts, now, field);
  const job: NewJob = {
    id: opts.id === undefined ? uuidv7(now.getTime()) : checkJobId(operation, field('id'), opts.id),
    method: name,
    payload: text,
    queue: opts.queue === undefined ? DEFAULT_QUEUE : checkQueue(operation, field('queue'), opts.queue),
    priority:
      opts.priority === undefined ? 0 : checkInteger(operation, field('priority'), opts.priority, INT32_MIN, INT32_MAX),
    state: runAt.getTime() > now.getTime() ? 'scheduled' : 'enqueued',
    maxAttempts:
      opts.maxAttempts === undefined
        ? DEFAULT_MAX_ATTEMPTS
        : checkInteger(operation, field('maxAttempts'), opts.maxAttempts, 1, INT32_MAX),
    timeoutMs:
      opts.timeoutMs === undefined ? null : checkInteger(operation, field('timeoutMs'), opts.timeoutMs, 1, INT32_MAX),
    runAt,
    createdAt: now,
    uniqueKey: opts.uniqueKey === undefined ? null : checkName(operation, field('uniqueKey'), opts.uniqueKey),
    metadata:
      opts.metadata === undefined
        ? NO_METADATA
        : Object.freeze(checkMetadata(operation, field('metadata'), opts.metadata)),
    onDuplicate: opts.onDuplicate === undefined ? 'keep' : checkOnDuplicate(operation, field('onDuplicate'), opts),
  };
  builtJobs.set(Object.freeze(job), opts.id === undefined);
  return job;
}

function checkOptionsObject(operation: string, field: string, options: unknown): EnqueueOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ValidationError(operation, field, 'must be an object', options);
  }
  checkKnownKeys(operation, field, options, KNOWN_OPTIONS);
  return options as EnqueueOptions;
}

/** `'keep'` or `'replace'`; `'replace'` needs a uniqueKey to find the job it replaces. */
function checkOnDuplicate(operation: string, field: string, opts: EnqueueOptions): 'keep' | 'replace' {
  const value: unknown = opts.onDuplicate;
  if (value !== 'keep' && value !== 'replace') {
    throw new ValidationError(operation, field, "must be 'keep' or 'replace'", value);
  }
  if (value === 'replace' && opts.uniqueKey === undefined) {
    throw new ValidationError(operation, field, "'replace' requires a uniqueKey", value);
  }
  return value;
}

function resolveRunAt(operation: string, opts: EnqueueOptions, now: Date, field: (key: string) => string): Date {
  if (opts.runAt !== undefined && opts.delayMs !== undefined) {
    throw new ValidationError(operation, field('runAt'), 'cannot be combined with delayMs');
  }
  if (opts.runAt !== undefined) return checkDate(operation, field('runAt'), opts.runAt);
  if (opts.delayMs !== undefined) return checkDelay(operation, field('delayMs'), opts.delayMs, now);
  return now;
}
