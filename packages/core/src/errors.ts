// errors.ts: every error jobsmith throws on purpose. Each names what went wrong in fields that its message repeats,
// so a caller can branch on `instanceof` and a log line still reads on its own. `instanceof` goes by a brand, not by
// class identity, so it holds across copies of this module (the ESM and CJS builds in one process, two versions).
import type { JobState } from './job-state.js';

/**
 * The key of each jobsmith error class's brand, own on its prototype: the class's name. `Symbol.for` gives every copy
 * of this module the same key.
 */
const ERROR_BRAND = Symbol.for('jobsmith.error');

/** Brands `errorClass` as `kind`: `instanceof` on any copy of that class then recognises its instances. */
function brand(errorClass: { prototype: object }, kind: string): void {
  Object.defineProperty(errorClass.prototype, ERROR_BRAND, { value: kind });
}

/** Whether a prototype on `value`'s chain carries the brand `kind` (i.e. some copy of that class made it). */
function hasBrand(value: unknown, kind: string): boolean {
  if (typeof value !== 'object' || value === null) return false;
  for (let proto: unknown = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
    if (Object.getOwnPropertyDescriptor(proto, ERROR_BRAND)?.value === kind) return true;
  }
  return false;
}

/**
 * `value instanceof X` for X a jobsmith error class (`this`): whether any copy of X, or of a subclass of X, made
 * `value`. A class of the app's own extending one has no brand of its own and keeps ordinary `instanceof`.
 */
function hasInstance(this: { prototype: object }, value: unknown): boolean {
  const kind: unknown = Object.getOwnPropertyDescriptor(this.prototype, ERROR_BRAND)?.value;
  if (typeof kind !== 'string') return Function.prototype[Symbol.hasInstance].call(this, value);
  return hasBrand(value, kind);
}

/** The base of every error jobsmith throws on purpose. */
export class JobsmithError extends Error {
  static {
    brand(JobsmithError, 'JobsmithError');
    // Inherited by every subclass, so `instanceof` on any of them goes by the brand.
    Object.defineProperty(JobsmithError, Symbol.hasInstance, { value: hasInstance });
  }
  override name = 'JobsmithError';
}

/** Bad input to a public entry point: `field` names the offending input, `value` is what was given. */
export class ValidationError extends JobsmithError {
  static {
    brand(ValidationError, 'ValidationError');
  }
  override name = 'ValidationError';
  readonly operation: string;
  readonly field: string;
  readonly value: unknown;

  constructor(operation: string, field: string, problem: string, value?: unknown) {
    super(`${operation}: ${field} ${problem}${value === undefined ? '' : ` (got ${describe(value)})`}`);
    this.operation = operation;
    this.field = field;
    this.value = value;
  }
}

/** Bad `ServerConfig` or backend options, thrown at construction. */
export class ConfigError extends JobsmithError {
  static {
    brand(ConfigError, 'ConfigError');
  }
  override name = 'ConfigError';
  readonly field: string;
  readonly value: unknown;

  constructor(field: string, problem: string, value?: unknown) {
    super(`config: ${field} ${problem}${value === undefined ? '' : ` (got ${describe(value)})`}`);
    this.field = field;
    this.value = value;
  }
}

/** A job (or recurring definition) that does not exist. */
export class NotFoundError extends JobsmithError {
  static {
    brand(NotFoundError, 'NotFoundError');
  }
  override name = 'NotFoundError';
  readonly operation: string;
  readonly jobId: string;

  constructor(operation: string, jobId: string, what = 'job') {
    super(`${operation}: ${what} ${jobId} not found`);
    this.operation = operation;
    this.jobId = jobId;
  }
}

/** A transition that job.ts does not allow, e.g. retrying a job that has not failed. Nothing was changed. */
export class IllegalTransitionError extends JobsmithError {
  static {
    brand(IllegalTransitionError, 'IllegalTransitionError');
  }
  override name = 'IllegalTransitionError';
  readonly operation: string;
  readonly jobId: string;
  readonly from: JobState;
  readonly to: JobState;

  constructor(operation: string, jobId: string, from: JobState, to: JobState) {
    super(`${operation}: job ${jobId} cannot move from ${from} to ${to}`);
    this.operation = operation;
    this.jobId = jobId;
    this.from = from;
    this.to = to;
  }
}

/**
 * A job cannot go back to an unfinished state because another unfinished job now holds its `uniqueKey` (two
 * unfinished jobs never share a key). Nothing was changed: the job stays as it was and the holder is untouched.
 */
export class UniqueKeyConflictError extends JobsmithError {
  static {
    brand(UniqueKeyConflictError, 'UniqueKeyConflictError');
  }
  override name = 'UniqueKeyConflictError';
  readonly operation: string;
  readonly jobId: string;
  readonly uniqueKey: string;

  constructor(operation: string, jobId: string, uniqueKey: string) {
    super(
      `${operation}: job ${jobId} cannot be re-enqueued: uniqueKey ${JSON.stringify(uniqueKey)} is held by another unfinished job`,
    );
    this.operation = operation;
    this.jobId = jobId;
    this.uniqueKey = uniqueKey;
  }
}

/** The backend failed (connection lost, constraint, corrupt file). `cause` holds the driver's error. */
export class StorageError extends JobsmithError {
  static {
    brand(StorageError, 'StorageError');
  }
  override name = 'StorageError';
  readonly operation: string;

  constructor(operation: string, options: { cause?: unknown; detail?: string } = {}) {
    const detail = options.detail ?? causeMessage(options.cause);
    super(`${operation}: storage failed${detail ? `: ${detail}` : ''}`, { cause: options.cause });
    this.operation = operation;
  }
}

/** Thrown by a handler to fail its job at once, skipping the remaining attempts. */
export class UnrecoverableError extends JobsmithError {
  static {
    brand(UnrecoverableError, 'UnrecoverableError');
  }
  override name = 'UnrecoverableError';
}

/** Why a running job's `ctx.signal` fired. */
export type AbortReason = 'stop' | 'timeout' | 'cancel' | 'leaseLost';

const ABORT_MESSAGES: Record<AbortReason, string> = {
  stop: 'was aborted: the server is stopping',
  timeout: 'timed out',
  cancel: 'was cancelled',
  leaseLost: 'lost its lease (cancelled elsewhere, or reclaimed after the lease lapsed)',
};

/**
 * The `reason` of a handler's aborted `ctx.signal`, saying why (`reason`). A timed-out attempt is recorded with this
 * error as its `lastError`.
 */
export class JobAbortedError extends JobsmithError {
  static {
    brand(JobAbortedError, 'JobAbortedError');
  }
  override name = 'JobAbortedError';
  readonly jobId: string;
  readonly reason: AbortReason;

  constructor(jobId: string, reason: AbortReason, detail?: string) {
    super(`job ${jobId} ${ABORT_MESSAGES[reason]}${detail ? ` ${detail}` : ''}`);
    this.jobId = jobId;
    this.reason = reason;
  }
}

/** A worker's write (finish, renewal) found its lease gone: the job was cancelled or reclaimed; nothing changed. */
export class LeaseLostError extends JobsmithError {
  static {
    brand(LeaseLostError, 'LeaseLostError');
  }
  override name = 'LeaseLostError';
  readonly operation: string;
  readonly jobId: string;

  constructor(operation: string, jobId: string) {
    super(`${operation}: job ${jobId} lost its lease; its result was discarded`);
    this.operation = operation;
    this.jobId = jobId;
  }
}

/** A server method called in the wrong lifecycle state, e.g. `start()` on a running server. */
export class ServerStateError extends JobsmithError {
  static {
    brand(ServerStateError, 'ServerStateError');
  }
  override name = 'ServerStateError';
  readonly operation: string;

  constructor(operation: string, problem: string) {
    super(`${operation}: ${problem}`);
    this.operation = operation;
  }
}

function causeMessage(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return cause === undefined ? '' : String(cause);
}

/** A short, safe rendering of a bad value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return 'a function';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}
