// validate.ts: the checks PostgresStorage runs on its inputs before any statement. The core validates user input at
// JobClient; these catch a caller of the Storage seam passing what PostgreSQL would store wrongly or reject
// obscurely (JSON that is not JSON, a negative limit, an Invalid Date). Each throws a ValidationError naming the field.
import {
  type FetchAndLockParams,
  type FinishOutcome,
  type FireRecurringParams,
  JOB_STATES,
  type Lease,
  type ListParams,
  type NewJob,
  type ProgressReport,
  type RecurringDefinition,
  type ServerInfo,
  type SweepParams,
  ValidationError,
} from '@jobsmith/core';

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
const FINISH_STATES: readonly string[] = ['succeeded', 'failed', 'awaiting_retry'];

export function text(operation: string, field: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') {
    throw new ValidationError(operation, field, 'must be a non-empty string', value);
  }
}

export function date(operation: string, field: string, value: unknown): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError(operation, field, 'must be a valid Date', value);
  }
}

export function optionalDate(operation: string, field: string, value: unknown): void {
  if (value !== null && value !== undefined) date(operation, field, value);
}

export function newJobs(operation: string, jobs: readonly NewJob[]): void {
  array(operation, 'jobs', jobs);
  for (const [index, job] of jobs.entries()) newJob(operation, `jobs[${index}]`, job);
}

/** An app-owned client inside the app's transaction: a pool would run the insert outside it. */
export function transactionClient(operation: string, tx: unknown): void {
  const candidate = tx as { query?: unknown; totalCount?: unknown } | null;
  if (typeof candidate?.query !== 'function') {
    throw new ValidationError(operation, 'tx', 'must be a pg client (Client or PoolClient) inside your transaction');
  }
  if (typeof candidate.totalCount === 'number') {
    throw new ValidationError(operation, 'tx', 'must be a client from pool.connect(), not the pool itself');
  }
}

export function listParams(operation: string, params: ListParams): void {
  object(operation, 'params', params);
  if (params.state !== undefined && !JOB_STATES.includes(params.state)) {
    throw new ValidationError(operation, 'state', `must be one of ${JOB_STATES.join(', ')}`, params.state);
  }
  if (params.queue !== undefined) text(operation, 'queue', params.queue);
  if (params.method !== undefined) text(operation, 'method', params.method);
  count(operation, 'limit', params.limit);
  count(operation, 'offset', params.offset);
}

export function fetchAndLockParams(operation: string, params: FetchAndLockParams): void {
  text(operation, 'serverId', params.serverId);
  array(operation, 'queues', params.queues);
  for (const [index, queue] of params.queues.entries()) text(operation, `queues[${index}]`, queue);
  count(operation, 'limit', params.limit);
  if (typeof params.leaseMs !== 'number' || !Number.isFinite(params.leaseMs) || params.leaseMs <= 0) {
    throw new ValidationError(operation, 'leaseMs', 'must be a positive number of milliseconds', params.leaseMs);
  }
}

export function finishOutcomes(operation: string, outcomes: readonly FinishOutcome[]): void {
  array(operation, 'outcomes', outcomes);
  for (const [index, outcome] of outcomes.entries()) {
    const field = `outcomes[${index}]`;
    lease(operation, field, outcome);
    if (!FINISH_STATES.includes(outcome.to)) {
      throw new ValidationError(operation, `${field}.to`, `must be one of ${FINISH_STATES.join(', ')}`, outcome.to);
    }
    if (outcome.to === 'awaiting_retry') date(operation, `${field}.runAt`, outcome.runAt);
    if (outcome.result !== null && outcome.result !== undefined) json(operation, `${field}.result`, outcome.result);
    optionalDate(operation, `${field}.expiresAt`, outcome.expiresAt);
    if (outcome.error !== null && outcome.error !== undefined && typeof outcome.error.message !== 'string') {
      throw new ValidationError(operation, `${field}.error.message`, 'must be a string', outcome.error.message);
    }
  }
}

export function leases(operation: string, field: string, items: readonly Lease[]): void {
  array(operation, field, items);
  for (const [index, item] of items.entries()) lease(operation, `${field}[${index}]`, item);
}

export function progressReports(operation: string, reports: readonly ProgressReport[]): void {
  leases(operation, 'reports', reports);
  for (const [index, report] of reports.entries()) {
    if (typeof report.progress !== 'number' || !Number.isFinite(report.progress)) {
      throw new ValidationError(operation, `reports[${index}].progress`, 'must be a finite number', report.progress);
    }
  }
}

export function sweepParams(operation: string, params: SweepParams): void {
  date(operation, 'now', params.now);
  count(operation, 'limit', params.limit);
}

export function serverInfo(operation: string, info: ServerInfo): void {
  object(operation, 'info', info);
  text(operation, 'info.id', info.id);
  text(operation, 'info.name', info.name);
  if (typeof info.hostname !== 'string') {
    throw new ValidationError(operation, 'info.hostname', 'must be a string', info.hostname);
  }
  int32(operation, 'info.pid', info.pid);
  array(operation, 'info.queues', info.queues);
  for (const [index, queue] of info.queues.entries()) text(operation, `info.queues[${index}]`, queue);
  int32(operation, 'info.workerCount', info.workerCount);
  date(operation, 'info.startedAt', info.startedAt);
  date(operation, 'info.lastHeartbeatAt', info.lastHeartbeatAt);
}

export function recurringDefinition(operation: string, def: RecurringDefinition): void {
  object(operation, 'def', def);
  for (const key of ['id', 'cron', 'timezone', 'method', 'queue'] as const) text(operation, `def.${key}`, def[key]);
  json(operation, 'def.payload', def.payload);
  int32(operation, 'def.priority', def.priority);
  int32(operation, 'def.maxAttempts', def.maxAttempts);
  timeout(operation, 'def.timeoutMs', def.timeoutMs);
  stringMap(operation, 'def.metadata', def.metadata);
  if (def.misfire !== 'once' && def.misfire !== 'skip') {
    throw new ValidationError(operation, 'def.misfire', "must be 'once' or 'skip'", def.misfire);
  }
  date(operation, 'def.nextRunAt', def.nextRunAt);
  optionalDate(operation, 'def.lastRunAt', def.lastRunAt);
  date(operation, 'def.createdAt', def.createdAt);
  date(operation, 'def.updatedAt', def.updatedAt);
}

export function fireRecurringParams(operation: string, params: FireRecurringParams): void {
  text(operation, 'id', params.id);
  date(operation, 'expectedRunAt', params.expectedRunAt);
  date(operation, 'nextRunAt', params.nextRunAt);
  if (params.job !== null) newJob(operation, 'job', params.job);
}

function newJob(operation: string, field: string, job: NewJob): void {
  object(operation, field, job);
  text(operation, `${field}.id`, job.id);
  text(operation, `${field}.method`, job.method);
  json(operation, `${field}.payload`, job.payload);
  text(operation, `${field}.queue`, job.queue);
  int32(operation, `${field}.priority`, job.priority);
  if (job.state !== 'enqueued' && job.state !== 'scheduled') {
    throw new ValidationError(operation, `${field}.state`, "must be 'enqueued' or 'scheduled'", job.state);
  }
  int32(operation, `${field}.maxAttempts`, job.maxAttempts);
  if (job.maxAttempts < 1) {
    throw new ValidationError(operation, `${field}.maxAttempts`, 'must be at least 1', job.maxAttempts);
  }
  timeout(operation, `${field}.timeoutMs`, job.timeoutMs);
  date(operation, `${field}.runAt`, job.runAt);
  date(operation, `${field}.createdAt`, job.createdAt);
  if (job.uniqueKey !== null) text(operation, `${field}.uniqueKey`, job.uniqueKey);
  stringMap(operation, `${field}.metadata`, job.metadata);
}

function lease(operation: string, field: string, value: Lease): void {
  object(operation, field, value);
  text(operation, `${field}.id`, value.id);
  text(operation, `${field}.leaseId`, value.leaseId);
}

/** JSON text as the core serialized it: stored as is, parsed on every read, so it must parse now. */
function json(operation: string, field: string, value: unknown): void {
  if (typeof value !== 'string') throw new ValidationError(operation, field, 'must be JSON text', value);
  try {
    JSON.parse(value);
  } catch {
    throw new ValidationError(operation, field, 'must be valid JSON text', value);
  }
}

function timeout(operation: string, field: string, value: unknown): void {
  if (value === null) return;
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw new ValidationError(operation, field, 'must be null or a positive integer of milliseconds', value);
  }
}

function int32(operation: string, field: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) < INT32_MIN || (value as number) > INT32_MAX) {
    throw new ValidationError(operation, field, `must be an integer between ${INT32_MIN} and ${INT32_MAX}`, value);
  }
}

/** A limit or offset: 0 is allowed and does nothing. */
function count(operation: string, field: string, value: unknown): void {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new ValidationError(operation, field, 'must be a non-negative integer', value);
  }
}

function stringMap(operation: string, field: string, value: unknown): void {
  object(operation, field, value);
  for (const [key, entry] of Object.entries(value as object)) {
    if (typeof entry !== 'string') throw new ValidationError(operation, `${field}.${key}`, 'must be a string', entry);
  }
}

function array(operation: string, field: string, value: unknown): void {
  if (!Array.isArray(value)) throw new ValidationError(operation, field, 'must be an array', value);
}

function object(operation: string, field: string, value: unknown): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(operation, field, 'must be an object', value);
  }
}
