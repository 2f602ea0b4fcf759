// rows.ts: how backends turn what they stored back into jobsmith values: the JobError they keep as JSON text,
// and the snake_case job and recurring rows both SQL backends share. Writing rows (params, column arrays) and every
// other backend-specific mapping stay in each backend.
import type { Job, JobError, JobState, JsonValue } from '../job.js';
import type { RecurringDefinition } from '../storage.js';

/**
 * A plain copy of a job error: fields named one by one, since an `Error` instance keeps `message` non-enumerable
 * (spreading or JSON.stringify would lose it). Null for null / undefined.
 */
export function copyJobError(error: JobError | null | undefined): JobError | null {
  if (error == null) return null;
  const copy: JobError = { message: error.message };
  if (error.name !== undefined) copy.name = error.name;
  if (error.stack !== undefined) copy.stack = error.stack;
  return copy;
}

/** The JSON text a backend stores for a job error (see copyJobError); null for none. */
export function jobErrorToJson(error: JobError | null | undefined): string | null {
  const copy = copyJobError(error);
  return copy === null ? null : JSON.stringify(copy);
}

/** The job error stored as `text` by jobErrorToJson; null for none (null, undefined or ''). */
export function jobErrorFromJson(text: string | null | undefined): JobError | null {
  return text == null || text === '' ? null : (JSON.parse(text) as JobError);
}

/**
 * An instant as a SQL driver returns it: a `Date` (PostgreSQL timestamptz), epoch ms (SQLite INTEGER), or a string
 * when an app replaced the driver's type parser.
 */
export type SqlInstant = Date | number | string;

/** A jobs row of a SQL backend: one snake_case column per Job field; payload, result, metadata, last_error as text. */
export interface SqlJobRow {
  id: string;
  method: string;
  payload: string;
  queue: string;
  priority: number;
  state: JobState;
  attempt: number;
  max_attempts: number;
  /** A string where the driver returns bigint as text. */
  timeout_ms: number | string | null;
  run_at: SqlInstant;
  created_at: SqlInstant;
  updated_at: SqlInstant;
  started_at: SqlInstant | null;
  finished_at: SqlInstant | null;
  expires_at: SqlInstant | null;
  locked_by: string | null;
  locked_until: SqlInstant | null;
  lease_id: string | null;
  unique_key: string | null;
  metadata: string;
  result: string | null;
  last_error: string | null;
  progress: number | null;
}

/** A recurring row of a SQL backend, in the same style as SqlJobRow. */
export interface SqlRecurringRow {
  id: string;
  cron: string;
  timezone: string;
  method: string;
  payload: string;
  queue: string;
  priority: number;
  max_attempts: number;
  timeout_ms: number | string | null;
  metadata: string;
  misfire: 'once' | 'skip';
  overlap: 'allow' | 'skip';
  next_run_at: SqlInstant;
  last_run_at: SqlInstant | null;
  created_at: SqlInstant;
  updated_at: SqlInstant;
}

/** The columns a claim sets from its own parameters: the same for every job it takes, so never read back. */
type ClaimColumns = 'state' | 'locked_by' | 'locked_until' | 'started_at' | 'updated_at';

/** A row a claim returns: every job column except those it set from its own parameters. */
export type SqlClaimedRow = Omit<SqlJobRow, ClaimColumns>;

/** What a claim wrote into every job it took, known before the statement ran. */
export interface ClaimStamp {
  serverId: string;
  now: Date;
  lockedUntil: Date;
}

export function jobFromSqlRow(row: SqlJobRow): Job {
  return jobFrom(row, row);
}

/** A claimed job: its returned row plus the claim's own values, filled in here. */
export function claimedJobFromSqlRow(row: SqlClaimedRow, claim: ClaimStamp): Job {
  return jobFrom(row, {
    state: 'processing',
    locked_by: claim.serverId,
    locked_until: claim.lockedUntil,
    started_at: claim.now,
    updated_at: claim.now,
  });
}

/**
 * A job from its row, the claim columns taken from `claimed`. Two arguments rather than a merged copy: spreading a
 * driver's row object cost more than the rest of the mapping together.
 */
function jobFrom(row: SqlClaimedRow, claimed: Pick<SqlJobRow, ClaimColumns>): Job {
  return {
    id: row.id,
    method: row.method,
    payload: JSON.parse(row.payload) as JsonValue,
    queue: row.queue,
    priority: row.priority,
    state: claimed.state,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    timeoutMs: numberOrNull(row.timeout_ms),
    runAt: sqlInstantToDate(row.run_at),
    createdAt: sqlInstantToDate(row.created_at),
    updatedAt: sqlInstantToDate(claimed.updated_at),
    startedAt: dateOrNull(claimed.started_at),
    finishedAt: dateOrNull(row.finished_at),
    expiresAt: dateOrNull(row.expires_at),
    lockedBy: claimed.locked_by,
    lockedUntil: dateOrNull(claimed.locked_until),
    leaseId: row.lease_id,
    uniqueKey: row.unique_key,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    result: row.result === null ? null : (JSON.parse(row.result) as JsonValue),
    lastError: jobErrorFromJson(row.last_error),
    progress: row.progress,
  };
}

export function recurringFromSqlRow(row: SqlRecurringRow): RecurringDefinition {
  return {
    id: row.id,
    cron: row.cron,
    timezone: row.timezone,
    method: row.method,
    payload: row.payload,
    queue: row.queue,
    priority: row.priority,
    maxAttempts: row.max_attempts,
    timeoutMs: numberOrNull(row.timeout_ms),
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    misfire: row.misfire,
    overlap: row.overlap,
    nextRunAt: sqlInstantToDate(row.next_run_at),
    lastRunAt: dateOrNull(row.last_run_at),
    createdAt: sqlInstantToDate(row.created_at),
    updatedAt: sqlInstantToDate(row.updated_at),
  };
}

/** A SQL instant as a fresh Date. */
export function sqlInstantToDate(value: SqlInstant): Date {
  return value instanceof Date ? new Date(value.getTime()) : new Date(value);
}

function dateOrNull(value: SqlInstant | null): Date | null {
  return value === null ? null : sqlInstantToDate(value);
}

function numberOrNull(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}
