// validate.ts: input checks for MemoryStorage's entry points, run before any write so a bad batch changes nothing.
// Each failure is a ValidationError naming the operation and the field path (`jobs[2].payload`).
import {
  type FinishOutcome,
  type Lease,
  type NewJob,
  type RecurringDefinition,
  type ServerInfo,
  ValidationError,
} from '@jobsmith/core';

type Check = (operation: string, field: string, value: unknown) => void;

export const checkString: Check = (operation, field, value) => {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(operation, field, 'must be a non-empty string', value);
  }
};

export const checkDate: Check = (operation, field, value) => {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError(operation, field, 'must be a valid Date', value);
  }
};

export const checkOptionalDate: Check = (operation, field, value) => {
  if (value != null) checkDate(operation, field, value);
};

/** A batch size: 0 is allowed and does nothing. */
export const checkLimit: Check = (operation, field, value) => {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new ValidationError(operation, field, 'must be a non-negative integer', value);
  }
};

export const checkInteger: Check = (operation, field, value) => {
  if (!Number.isSafeInteger(value)) throw new ValidationError(operation, field, 'must be an integer', value);
};

export const checkPositiveMs: Check = (operation, field, value) => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(operation, field, 'must be a positive number of milliseconds', value);
  }
};

export const checkFiniteNumber: Check = (operation, field, value) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValidationError(operation, field, 'must be a finite number', value);
  }
};

/** JSON text, as the core serialized it; parsing it here keeps a corrupt payload from reaching a later read. */
export const checkJsonText: Check = (operation, field, value) => {
  if (typeof value !== 'string') throw new ValidationError(operation, field, 'must be JSON text', value);
  try {
    JSON.parse(value);
  } catch {
    throw new ValidationError(operation, field, 'must be valid JSON text', value);
  }
};

export const checkArray: Check = (operation, field, value) => {
  if (!Array.isArray(value)) throw new ValidationError(operation, field, 'must be an array', value);
};

export const checkStringMap: Check = (operation, field, value) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(operation, field, 'must be an object of strings', value);
  }
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw new ValidationError(operation, `${field}.${key}`, 'must be a string', entry);
  }
};

/** Every field a stored job needs, as the core builds it. */
export function checkNewJob(operation: string, field: string, job: NewJob): void {
  if (job === null || typeof job !== 'object') throw new ValidationError(operation, field, 'must be a job', job);
  checkString(operation, `${field}.id`, job.id);
  checkString(operation, `${field}.method`, job.method);
  checkString(operation, `${field}.queue`, job.queue);
  checkJsonText(operation, `${field}.payload`, job.payload);
  checkInteger(operation, `${field}.priority`, job.priority);
  if (job.state !== 'enqueued' && job.state !== 'scheduled') {
    throw new ValidationError(operation, `${field}.state`, "must be 'enqueued' or 'scheduled'", job.state);
  }
  checkInteger(operation, `${field}.maxAttempts`, job.maxAttempts);
  if (job.maxAttempts < 1)
    throw new ValidationError(operation, `${field}.maxAttempts`, 'must be at least 1', job.maxAttempts);
  if (job.timeoutMs !== null) checkPositiveMs(operation, `${field}.timeoutMs`, job.timeoutMs);
  checkDate(operation, `${field}.runAt`, job.runAt);
  checkDate(operation, `${field}.createdAt`, job.createdAt);
  if (job.uniqueKey !== null) checkString(operation, `${field}.uniqueKey`, job.uniqueKey);
  checkStringMap(operation, `${field}.metadata`, job.metadata);
}

export function checkLease(operation: string, field: string, lease: Lease): void {
  if (lease === null || typeof lease !== 'object')
    throw new ValidationError(operation, field, 'must be a lease', lease);
  checkString(operation, `${field}.id`, lease.id);
  checkString(operation, `${field}.leaseId`, lease.leaseId);
}

const FINISH_STATES: readonly unknown[] = ['succeeded', 'failed', 'awaiting_retry'];

export function checkFinishOutcome(operation: string, field: string, outcome: FinishOutcome): void {
  checkLease(operation, field, outcome);
  if (!FINISH_STATES.includes(outcome.to)) {
    throw new ValidationError(
      operation,
      `${field}.to`,
      "must be 'succeeded', 'failed' or 'awaiting_retry'",
      outcome.to,
    );
  }
  if (outcome.to === 'awaiting_retry') checkDate(operation, `${field}.runAt`, outcome.runAt);
  if (outcome.result != null) checkJsonText(operation, `${field}.result`, outcome.result);
  checkOptionalDate(operation, `${field}.expiresAt`, outcome.expiresAt);
  if (outcome.error != null && typeof outcome.error.message !== 'string') {
    throw new ValidationError(operation, `${field}.error.message`, 'must be a string', outcome.error.message);
  }
}

/** Runs `check` on every item of an array field, naming each `field[i]`. */
export function checkEach<T>(
  operation: string,
  field: string,
  items: readonly T[],
  check: (operation: string, field: string, item: T) => void,
): void {
  checkArray(operation, field, items);
  for (const [i, item] of items.entries()) check(operation, `${field}[${i}]`, item);
}

export function checkServerInfo(operation: string, field: string, info: ServerInfo): void {
  if (info === null || typeof info !== 'object') throw new ValidationError(operation, field, 'must be a server', info);
  checkString(operation, `${field}.id`, info.id);
  checkString(operation, `${field}.name`, info.name);
  if (typeof info.hostname !== 'string') {
    throw new ValidationError(operation, `${field}.hostname`, 'must be a string', info.hostname);
  }
  checkInteger(operation, `${field}.pid`, info.pid);
  checkEach(operation, `${field}.queues`, info.queues, checkString);
  checkLimit(operation, `${field}.workerCount`, info.workerCount);
  checkDate(operation, `${field}.startedAt`, info.startedAt);
  checkDate(operation, `${field}.lastHeartbeatAt`, info.lastHeartbeatAt);
}

export function checkRecurringDefinition(operation: string, field: string, def: RecurringDefinition): void {
  if (def === null || typeof def !== 'object') throw new ValidationError(operation, field, 'must be a definition', def);
  for (const key of ['id', 'cron', 'timezone', 'method', 'queue'] as const) {
    checkString(operation, `${field}.${key}`, def[key]);
  }
  checkJsonText(operation, `${field}.payload`, def.payload);
  checkInteger(operation, `${field}.priority`, def.priority);
  checkInteger(operation, `${field}.maxAttempts`, def.maxAttempts);
  if (def.timeoutMs !== null) checkPositiveMs(operation, `${field}.timeoutMs`, def.timeoutMs);
  checkStringMap(operation, `${field}.metadata`, def.metadata);
  if (def.misfire !== 'once' && def.misfire !== 'skip') {
    throw new ValidationError(operation, `${field}.misfire`, "must be 'once' or 'skip'", def.misfire);
  }
  checkDate(operation, `${field}.nextRunAt`, def.nextRunAt);
  checkOptionalDate(operation, `${field}.lastRunAt`, def.lastRunAt);
  checkDate(operation, `${field}.createdAt`, def.createdAt);
  checkDate(operation, `${field}.updatedAt`, def.updatedAt);
}
