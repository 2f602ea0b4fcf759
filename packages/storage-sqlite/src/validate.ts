// validate.ts: input checks for SqliteStorage's entry points, run before any statement so a bad batch writes
// nothing. Each failure is a ValidationError naming the operation and the field path (`jobs[2].runAt`).
import {
  type FetchAndLockParams,
  type FinishOutcome,
  JOB_STATES,
  type Lease,
  type ListParams,
  type NewJob,
  type ProgressReport,
  type RecurringDefinition,
  type ServerInfo,
  ValidationError,
} from '@jobsmith/core';

type Check = (operation: string, field: string, value: unknown) => void;

export const checkText: Check = (operation, field, value) => {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(operation, field, 'must be a non-empty string', value);
  }
};

export const checkDate: Check = (operation, field, value) => {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError(operation, field, 'must be a valid Date', value);
  }
};

export const checkDateOrNull: Check = (operation, field, value) => {
  if (value != null) checkDate(operation, field, value);
};

const checkInteger: Check = (operation, field, value) => {
  if (!Number.isSafeInteger(value)) throw new ValidationError(operation, field, 'must be an integer', value);
};

/** A row count: 0 is allowed and does nothing. */
export const checkCount: Check = (operation, field, value) => {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new ValidationError(operation, field, 'must be an integer >= 0', value);
  }
};

const checkFinite: Check = (operation, field, value) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValidationError(operation, field, 'must be a finite number', value);
  }
};

/** JSON text as the core serialized it; parsed once here so a corrupt value never reaches a later read. */
const checkJsonText: Check = (operation, field, value) => {
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
      return;
    } catch {
      // fall through to the error below
    }
  }
  throw new ValidationError(operation, field, 'must be valid JSON text', value);
};

const checkStringMap: Check = (operation, field, value) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(operation, field, 'must be an object of strings', value);
  }
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw new ValidationError(operation, `${field}.${key}`, 'must be a string', entry);
  }
};

const checkObject: Check = (operation, field, value) => {
  if (value === null || typeof value !== 'object')
    throw new ValidationError(operation, field, 'must be an object', value);
};

/** Checks an array field and each of its items, naming each `field[i]`. */
export function checkEach<T>(
  operation: string,
  field: string,
  items: unknown,
  check: (field: string, item: T) => void,
) {
  if (!Array.isArray(items)) throw new ValidationError(operation, field, 'must be an array', items);
  items.forEach((item: T, index) => {
    check(`${field}[${index}]`, item);
  });
}

export function checkNewJob(operation: string, field: string, job: NewJob): void {
  checkObject(operation, field, job);
  checkText(operation, `${field}.id`, job.id);
  checkText(operation, `${field}.method`, job.method);
  checkText(operation, `${field}.queue`, job.queue);
  checkJsonText(operation, `${field}.payload`, job.payload);
  checkInteger(operation, `${field}.priority`, job.priority);
  if (job.state !== 'enqueued' && job.state !== 'scheduled') {
    throw new ValidationError(operation, `${field}.state`, "must be 'enqueued' or 'scheduled'", job.state);
  }
  checkAttempts(operation, `${field}.maxAttempts`, job.maxAttempts);
  if (job.timeoutMs !== null) checkTimeout(operation, `${field}.timeoutMs`, job.timeoutMs);
  checkDate(operation, `${field}.runAt`, job.runAt);
  checkDate(operation, `${field}.createdAt`, job.createdAt);
  if (job.uniqueKey !== null) checkText(operation, `${field}.uniqueKey`, job.uniqueKey);
  checkStringMap(operation, `${field}.metadata`, job.metadata);
}

function checkAttempts(operation: string, field: string, value: unknown): void {
  checkInteger(operation, field, value);
  if ((value as number) < 1) throw new ValidationError(operation, field, 'must be at least 1', value);
}

function checkTimeout(operation: string, field: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(operation, field, 'must be a positive number of milliseconds', value);
  }
}

export function checkListParams(params: ListParams): void {
  checkObject('list', 'params', params);
  if (params.state !== undefined && !JOB_STATES.includes(params.state)) {
    throw new ValidationError('list', 'state', `must be one of ${JOB_STATES.join(', ')}`, params.state);
  }
  if (params.queue !== undefined) checkText('list', 'queue', params.queue);
  if (params.method !== undefined) checkText('list', 'method', params.method);
  checkCount('list', 'limit', params.limit);
  checkCount('list', 'offset', params.offset);
}

export function checkFetchAndLockParams(params: FetchAndLockParams): void {
  const operation = 'fetchAndLock';
  checkObject(operation, 'params', params);
  checkText(operation, 'serverId', params.serverId);
  checkEach(operation, 'queues', params.queues, (field, queue) => checkText(operation, field, queue));
  checkCount(operation, 'limit', params.limit);
  checkTimeout(operation, 'leaseMs', params.leaseMs);
}

export function checkLease(operation: string, field: string, lease: Lease): void {
  checkObject(operation, field, lease);
  checkText(operation, `${field}.id`, lease.id);
  checkText(operation, `${field}.leaseId`, lease.leaseId);
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
  checkDateOrNull(operation, `${field}.expiresAt`, outcome.expiresAt);
  if (outcome.error != null && typeof outcome.error.message !== 'string') {
    throw new ValidationError(operation, `${field}.error.message`, 'must be a string', outcome.error.message);
  }
}

export function checkProgressReport(operation: string, field: string, report: ProgressReport): void {
  checkLease(operation, field, report);
  checkFinite(operation, `${field}.progress`, report.progress);
}

export function checkSweep(operation: string, params: { now: Date; limit: number }): void {
  checkObject(operation, 'params', params);
  checkDate(operation, 'now', params.now);
  checkCount(operation, 'limit', params.limit);
}

export function checkServerInfo(info: ServerInfo): void {
  const operation = 'registerServer';
  checkObject(operation, 'info', info);
  checkText(operation, 'id', info.id);
  if (typeof info.name !== 'string') throw new ValidationError(operation, 'name', 'must be a string', info.name);
  if (typeof info.hostname !== 'string') {
    throw new ValidationError(operation, 'hostname', 'must be a string', info.hostname);
  }
  checkInteger(operation, 'pid', info.pid);
  checkEach(operation, 'queues', info.queues, (field, queue) => checkText(operation, field, queue));
  checkCount(operation, 'workerCount', info.workerCount);
  checkDate(operation, 'startedAt', info.startedAt);
  checkDate(operation, 'lastHeartbeatAt', info.lastHeartbeatAt);
}

export function checkRecurringDefinition(def: RecurringDefinition): void {
  const operation = 'upsertRecurring';
  checkObject(operation, 'def', def);
  for (const field of ['id', 'cron', 'timezone', 'method', 'queue'] as const) checkText(operation, field, def[field]);
  checkJsonText(operation, 'payload', def.payload);
  checkInteger(operation, 'priority', def.priority);
  checkAttempts(operation, 'maxAttempts', def.maxAttempts);
  if (def.timeoutMs !== null) checkTimeout(operation, 'timeoutMs', def.timeoutMs);
  checkStringMap(operation, 'metadata', def.metadata);
  if (def.misfire !== 'once' && def.misfire !== 'skip') {
    throw new ValidationError(operation, 'misfire', "must be 'once' or 'skip'", def.misfire);
  }
  checkDate(operation, 'nextRunAt', def.nextRunAt);
  checkDateOrNull(operation, 'lastRunAt', def.lastRunAt);
  checkDate(operation, 'createdAt', def.createdAt);
  checkDate(operation, 'updatedAt', def.updatedAt);
}
