// input-checks.ts: the input checks every backend runs at the Storage seam, before any write, so a bad batch
// changes nothing and every backend names the same field the same way (`jobs[2].payload`). JobClient already checks
// user input; these catch a direct caller of the seam passing what a backend would store wrongly or reject obscurely.
import { isBuiltNewJob } from '../enqueue-options.js';
import { ValidationError } from '../errors.js';
import { JOB_STATES, type NewJob } from '../job.js';
import type {
  CancelParams,
  EnqueueParams,
  FetchAndLockParams,
  FinishOutcome,
  FinishParams,
  FireRecurringParams,
  Lease,
  ListParams,
  ProgressReport,
  ReclaimDeadServersParams,
  RecordProgressParams,
  RecurringDefinition,
  ReleaseLostClaimsParams,
  ReleaseParams,
  RenewLeasesParams,
  RequeueExpiredLeasesParams,
  ServerInfo,
  Storage,
  SweepParams,
} from '../storage.js';
import { INT32_MAX, INT32_MIN } from '../validation.js';

type Check = (operation: string, field: string, value: unknown) => void;

// Field checks

const checkObject: Check = (operation, field, value) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(operation, field, 'must be an object', value);
  }
};

const checkText: Check = (operation, field, value) => {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(operation, field, 'must be a non-empty string', value);
  }
};

const checkString: Check = (operation, field, value) => {
  if (typeof value !== 'string') throw new ValidationError(operation, field, 'must be a string', value);
};

const checkDate: Check = (operation, field, value) => {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError(operation, field, 'must be a valid Date', value);
  }
};

const checkOptionalDate: Check = (operation, field, value) => {
  if (value !== null && value !== undefined) checkDate(operation, field, value);
};

/** A limit or offset: 0 is allowed and does nothing. */
const checkCount: Check = (operation, field, value) => {
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new ValidationError(operation, field, 'must be a non-negative integer', value);
  }
};

/** An integer column every backend can hold (PostgreSQL `integer`, the Redis ready rank). */
function checkInt32(operation: string, field: string, value: unknown, min = INT32_MIN): void {
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > INT32_MAX) {
    throw new ValidationError(operation, field, `must be an integer between ${min} and ${INT32_MAX}`, value);
  }
}

const checkPositiveMs: Check = (operation, field, value) => {
  if (!Number.isSafeInteger(value) || (value as number) <= 0) {
    throw new ValidationError(operation, field, 'must be a positive integer of milliseconds', value);
  }
};

const checkFinite: Check = (operation, field, value) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValidationError(operation, field, 'must be a finite number', value);
  }
};

/** JSON text as the core serialized it: stored as given and parsed on every read, so it must parse now. */
const checkJsonText: Check = (operation, field, value) => {
  if (typeof value !== 'string') throw new ValidationError(operation, field, 'must be JSON text', value);
  try {
    JSON.parse(value);
  } catch {
    throw new ValidationError(operation, field, 'must be valid JSON text', value);
  }
};

const checkStringMap: Check = (operation, field, value) => {
  checkObject(operation, field, value);
  for (const [key, entry] of Object.entries(value as object)) {
    if (typeof entry !== 'string') throw new ValidationError(operation, `${field}.${key}`, 'must be a string', entry);
  }
};

/** An array field, then `check` on each item as `field[i]`. */
function checkEach(operation: string, field: string, items: unknown, check: Check): void {
  if (!Array.isArray(items)) throw new ValidationError(operation, field, 'must be an array', items);
  items.forEach((item: unknown, index) => {
    check(operation, `${field}[${index}]`, item);
  });
}

function checkOneOf(operation: string, field: string, value: unknown, allowed: readonly string[]): void {
  if (!allowed.includes(value as string)) {
    throw new ValidationError(operation, field, `must be one of ${allowed.join(', ')}`, value);
  }
}

// Shapes shared by several methods

/** The `id` a method takes on its own: a job's, a server's or a recurring definition's. */
function checkId(operation: string, id: unknown): void {
  checkText(operation, 'id', id);
}

/** A NewJob as the core builds it, named `field` (e.g. `jobs[2]` or `job`). */
function checkNewJob(operation: string, field: string, job: unknown): void {
  if (isBuiltNewJob(job)) return;
  checkObject(operation, field, job);
  const value = job as NewJob;
  checkText(operation, `${field}.id`, value.id);
  checkText(operation, `${field}.method`, value.method);
  checkJsonText(operation, `${field}.payload`, value.payload);
  checkText(operation, `${field}.queue`, value.queue);
  checkInt32(operation, `${field}.priority`, value.priority);
  checkOneOf(operation, `${field}.state`, value.state, ['enqueued', 'scheduled']);
  checkInt32(operation, `${field}.maxAttempts`, value.maxAttempts, 1);
  if (value.timeoutMs !== null) checkPositiveMs(operation, `${field}.timeoutMs`, value.timeoutMs);
  checkDate(operation, `${field}.runAt`, value.runAt);
  checkDate(operation, `${field}.createdAt`, value.createdAt);
  if (value.uniqueKey !== null) checkText(operation, `${field}.uniqueKey`, value.uniqueKey);
  checkStringMap(operation, `${field}.metadata`, value.metadata);
  checkOneOf(operation, `${field}.onDuplicate`, value.onDuplicate, ['keep', 'replace']);
  if (value.onDuplicate === 'replace' && value.uniqueKey === null) {
    throw new ValidationError(operation, `${field}.onDuplicate`, "'replace' requires a uniqueKey", value.onDuplicate);
  }
}

function checkLease(operation: string, field: string, lease: unknown): void {
  checkObject(operation, field, lease);
  checkText(operation, `${field}.id`, (lease as Lease).id);
  checkText(operation, `${field}.leaseId`, (lease as Lease).leaseId);
}

// Jobs

/** `jobs`, each a NewJob. The `tx` handle is the backend's to check (only it knows its type). */
function checkEnqueueParams(params: EnqueueParams<unknown>): void {
  checkObject('enqueue', 'params', params);
  checkEach('enqueue', 'jobs', params.jobs, checkNewJob);
}

/** `tx` given to a backend without `capabilities.transactionalEnqueue`. */
export function checkNoTransaction(operation: string, tx: unknown): void {
  if (tx !== undefined) {
    throw new ValidationError(operation, 'tx', 'is not supported (capabilities.transactionalEnqueue is false)');
  }
}

function checkListParams(params: ListParams): void {
  checkObject('list', 'params', params);
  if (params.state !== undefined) checkOneOf('list', 'state', params.state, JOB_STATES);
  if (params.queue !== undefined) checkText('list', 'queue', params.queue);
  if (params.method !== undefined) checkText('list', 'method', params.method);
  checkCount('list', 'limit', params.limit);
  checkCount('list', 'offset', params.offset);
}

function checkCancelParams(params: CancelParams): void {
  checkObject('cancel', 'params', params);
  checkText('cancel', 'id', params.id);
  checkOptionalDate('cancel', 'expiresAt', params.expiresAt);
}

// Claims and their fenced writes

function checkFetchAndLockParams(params: FetchAndLockParams): void {
  const operation = 'fetchAndLock';
  checkObject(operation, 'params', params);
  checkText(operation, 'serverId', params.serverId);
  checkEach(operation, 'queues', params.queues, checkText);
  checkCount(operation, 'limit', params.limit);
  checkPositiveMs(operation, 'leaseMs', params.leaseMs);
}

const FINISH_STATES: readonly string[] = ['succeeded', 'failed', 'awaiting_retry', 'scheduled'];

function checkFinishOutcome(operation: string, field: string, value: unknown): void {
  checkLease(operation, field, value);
  const outcome = value as FinishOutcome;
  checkOneOf(operation, `${field}.to`, outcome.to, FINISH_STATES);
  if (outcome.to === 'awaiting_retry' || outcome.to === 'scheduled')
    checkDate(operation, `${field}.runAt`, outcome.runAt);
  if (outcome.result != null) checkJsonText(operation, `${field}.result`, outcome.result);
  if (outcome.error != null) {
    checkObject(operation, `${field}.error`, outcome.error);
    checkString(operation, `${field}.error.message`, outcome.error.message);
    if (outcome.error.name !== undefined) checkString(operation, `${field}.error.name`, outcome.error.name);
    if (outcome.error.stack !== undefined) checkString(operation, `${field}.error.stack`, outcome.error.stack);
  }
  checkOptionalDate(operation, `${field}.expiresAt`, outcome.expiresAt);
  if (outcome.purge !== undefined && typeof outcome.purge !== 'boolean') {
    throw new ValidationError(operation, `${field}.purge`, 'must be a boolean', outcome.purge);
  }
}

function checkFinishParams(params: FinishParams): void {
  checkObject('finish', 'params', params);
  checkEach('finish', 'outcomes', params.outcomes, checkFinishOutcome);
  checkOptionalDate('finish', 'now', params.now);
}

function checkRenewLeasesParams(params: RenewLeasesParams): void {
  checkObject('renewLeases', 'params', params);
  checkEach('renewLeases', 'leases', params.leases, checkLease);
  checkDate('renewLeases', 'lockedUntil', params.lockedUntil);
}

function checkRecordProgressParams(params: RecordProgressParams): void {
  checkObject('recordProgress', 'params', params);
  checkEach('recordProgress', 'reports', params.reports, (operation, field, report) => {
    checkLease(operation, field, report);
    checkFinite(operation, `${field}.progress`, (report as ProgressReport).progress);
  });
}

function checkReleaseParams(params: ReleaseParams): void {
  checkObject('release', 'params', params);
  checkEach('release', 'leases', params.leases, checkLease);
}

function checkReleaseLostClaimsParams(params: ReleaseLostClaimsParams): void {
  checkObject('releaseLostClaims', 'params', params);
  checkText('releaseLostClaims', 'serverId', params.serverId);
  checkEach('releaseLostClaims', 'heldLeaseIds', params.heldLeaseIds, checkText);
}

// Sweeps

/** `now` and `limit` of `promoteDue` / `purgeExpired` (and the start of `requeueExpiredLeases`). */
function checkSweepParams(operation: string, params: SweepParams): void {
  checkObject(operation, 'params', params);
  checkDate(operation, 'now', params.now);
  checkCount(operation, 'limit', params.limit);
}

function checkRequeueExpiredLeasesParams(params: RequeueExpiredLeasesParams): void {
  checkSweepParams('requeueExpiredLeases', params);
  checkOptionalDate('requeueExpiredLeases', 'failedExpiresAt', params.failedExpiresAt);
}

// Servers

function checkServerInfo(info: ServerInfo): void {
  const operation = 'registerServer';
  checkObject(operation, 'info', info);
  checkText(operation, 'info.id', info.id);
  checkText(operation, 'info.name', info.name);
  checkString(operation, 'info.hostname', info.hostname);
  checkInt32(operation, 'info.pid', info.pid);
  checkEach(operation, 'info.queues', info.queues, checkText);
  checkInt32(operation, 'info.workerCount', info.workerCount, 0);
  checkDate(operation, 'info.startedAt', info.startedAt);
  checkDate(operation, 'info.lastHeartbeatAt', info.lastHeartbeatAt);
}

function checkReclaimDeadServersParams(params: ReclaimDeadServersParams): void {
  checkObject('reclaimDeadServers', 'params', params);
  checkDate('reclaimDeadServers', 'before', params.before);
  checkOptionalDate('reclaimDeadServers', 'failedExpiresAt', params.failedExpiresAt);
}

// Recurring

function checkRecurringDefinition(def: RecurringDefinition): void {
  const operation = 'upsertRecurring';
  checkObject(operation, 'def', def);
  for (const key of ['id', 'cron', 'timezone', 'method', 'queue'] as const)
    checkText(operation, `def.${key}`, def[key]);
  checkJsonText(operation, 'def.payload', def.payload);
  checkInt32(operation, 'def.priority', def.priority);
  checkInt32(operation, 'def.maxAttempts', def.maxAttempts, 1);
  if (def.timeoutMs !== null) checkPositiveMs(operation, 'def.timeoutMs', def.timeoutMs);
  checkStringMap(operation, 'def.metadata', def.metadata);
  checkOneOf(operation, 'def.misfire', def.misfire, ['once', 'skip']);
  checkOneOf(operation, 'def.overlap', def.overlap, ['allow', 'skip']);
  checkDate(operation, 'def.nextRunAt', def.nextRunAt);
  checkOptionalDate(operation, 'def.lastRunAt', def.lastRunAt);
  checkDate(operation, 'def.createdAt', def.createdAt);
  checkDate(operation, 'def.updatedAt', def.updatedAt);
}

/** The `now` of `listDueRecurring`. */
function checkListDueRecurring(now: Date): void {
  checkDate('listDueRecurring', 'now', now);
}

function checkFireRecurringParams(params: FireRecurringParams): void {
  const operation = 'fireRecurring';
  checkObject(operation, 'params', params);
  checkText(operation, 'id', params.id);
  checkDate(operation, 'expectedRunAt', params.expectedRunAt);
  checkDate(operation, 'nextRunAt', params.nextRunAt);
  if (params.job !== null) checkNewJob(operation, 'job', params.job);
  // A firing never replaces: the key it holds is its own tick's.
  if (params.job !== null && params.job.onDuplicate !== 'keep') {
    throw new ValidationError(operation, 'job.onDuplicate', "must be 'keep'", params.job.onDuplicate);
  }
  const previous = params.skipWhileUnfinished;
  if (previous !== undefined && previous !== null) checkText(operation, 'skipWhileUnfinished', previous);
}

/** The Storage methods that take input (every one but the lifecycle and the plain reads). */
export type CheckedMethod = Exclude<
  keyof Storage,
  'capabilities' | 'clock' | 'migrate' | 'close' | 'subscribe' | 'counts' | 'listServers' | 'listRecurring'
>;

/**
 * The input check of each Storage method, under the method's name. `withInputChecks` runs them before every call, so
 * no backend writes its own. Each throws a ValidationError naming the operation and the field. `enqueue` leaves `tx`
 * to the caller (see checkNoTransaction).
 */
export const storageChecks: { readonly [M in CheckedMethod]: (...args: Parameters<Storage[M]>) => void } =
  Object.freeze({
    enqueue: checkEnqueueParams,
    get: (id: string) => checkId('get', id),
    list: checkListParams,
    cancel: checkCancelParams,
    retryFailed: (id: string) => checkId('retryFailed', id),
    delete: (id: string) => checkId('delete', id),
    fetchAndLock: checkFetchAndLockParams,
    finish: checkFinishParams,
    renewLeases: checkRenewLeasesParams,
    recordProgress: checkRecordProgressParams,
    release: checkReleaseParams,
    releaseLostClaims: checkReleaseLostClaimsParams,
    promoteDue: (params: SweepParams) => checkSweepParams('promoteDue', params),
    requeueExpiredLeases: checkRequeueExpiredLeasesParams,
    purgeExpired: (params: SweepParams) => checkSweepParams('purgeExpired', params),
    registerServer: checkServerInfo,
    heartbeatServer: (id: string) => checkId('heartbeatServer', id),
    deregisterServer: (id: string) => checkId('deregisterServer', id),
    reclaimDeadServers: checkReclaimDeadServersParams,
    upsertRecurring: checkRecurringDefinition,
    removeRecurring: (id: string) => checkId('removeRecurring', id),
    listDueRecurring: checkListDueRecurring,
    fireRecurring: checkFireRecurringParams,
  });
