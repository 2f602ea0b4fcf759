// rows.ts: Redis hashes <-> jobsmith values. Jobs, servers and recurring definitions travel to scripts as ARGV
// strings and come back as HGETALL field/value lists; times are ms strings, a null is an absent field (or '' in
// ARGV). Payload and result are stored as the exact JSON text the core gave and parsed only here, on the way out.
import {
  type FinishOutcome,
  JOB_STATES,
  type Job,
  type JobCounts,
  type JobState,
  type JsonValue,
  jobErrorFromJson,
  jobErrorToJson,
  type NewJob,
  type RecurringDefinition,
  type ServerInfo,
  StorageError,
} from '@jobsmith/core';

/** A hash as HGETALL returns it: an object from a command, a flat field, value, ... list from a script. */
export type HashReply = readonly string[] | Readonly<Record<string, string>>;

type Row = Record<string, string | undefined>;

const isFlat = (hash: HashReply): hash is readonly string[] => Array.isArray(hash);

function toRow(hash: HashReply): Row {
  if (!isFlat(hash)) return { ...hash };
  const flat = hash;
  const row: Row = {};
  for (let i = 0; i + 1 < flat.length; i += 2) row[flat[i] as string] = flat[i + 1];
  return row;
}

function required(row: Row, field: string, what: string): string {
  const value = row[field];
  if (value === undefined) throw new StorageError('read', { detail: `${what} ${row.id ?? '?'} has no ${field} field` });
  return value;
}

const optionalNumber = (value: string | undefined): number | null => (value === undefined ? null : Number(value));
const toDate = (value: string): Date => new Date(Number(value));
const optionalDate = (value: string | undefined): Date | null => (value === undefined ? null : toDate(value));

/** A Date (or null) as the ms string scripts take, '' for null. */
export const msOrEmpty = (date: Date | null | undefined): string => (date ? String(date.getTime()) : '');

/** A job hash as the Job the core sees. */
export function toJob(hash: HashReply): Job {
  const row = toRow(hash);
  const field = (name: string) => required(row, name, 'job');
  return {
    id: field('id'),
    method: field('method'),
    payload: JSON.parse(field('payload')) as JsonValue,
    queue: field('queue'),
    priority: Number(field('priority')),
    state: field('state') as JobState,
    attempt: Number(field('attempt')),
    maxAttempts: Number(field('maxAttempts')),
    timeoutMs: optionalNumber(row.timeoutMs),
    runAt: toDate(field('runAt')),
    createdAt: toDate(field('createdAt')),
    updatedAt: toDate(field('updatedAt')),
    startedAt: optionalDate(row.startedAt),
    finishedAt: optionalDate(row.finishedAt),
    expiresAt: optionalDate(row.expiresAt),
    lockedBy: row.lockedBy ?? null,
    lockedUntil: optionalDate(row.lockedUntil),
    leaseId: row.leaseId ?? null,
    uniqueKey: row.uniqueKey ?? null,
    metadata: JSON.parse(row.metadata ?? '{}') as Record<string, string>,
    result: row.result === undefined ? null : (JSON.parse(row.result) as JsonValue),
    lastError: jobErrorFromJson(row.lastError),
    progress: optionalNumber(row.progress),
  };
}

/** The 12 ARGV slots of a new job (helpers.lua NEW_JOB_WIDTH); the payload goes as given, never re-encoded. */
export function newJobArgs(job: NewJob): string[] {
  return [
    job.id,
    job.method,
    job.payload,
    job.queue,
    String(job.priority),
    job.state,
    String(job.maxAttempts),
    job.timeoutMs === null ? '' : String(job.timeoutMs),
    String(job.runAt.getTime()),
    String(job.createdAt.getTime()),
    job.uniqueKey ?? '',
    JSON.stringify(job.metadata),
  ];
}

/** The 8 ARGV slots of one finish outcome (finish.lua), already checked by checkFinishOutcomes. */
export function finishArgs(outcome: FinishOutcome): string[] {
  return [
    outcome.id,
    outcome.leaseId,
    outcome.to,
    outcome.result ?? '',
    jobErrorToJson(outcome.error) ?? '',
    outcome.to === 'awaiting_retry' ? msOrEmpty(outcome.runAt) : '',
    msOrEmpty(outcome.expiresAt),
    outcome.purge ? '1' : '0',
  ];
}

const zeroCounts = (): Record<JobState, number> =>
  Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;

/** The counts hash (fields `<state>:<queue>`, zeros deleted) as JobCounts with every state present. */
export function toCounts(fields: Readonly<Record<string, string>>): JobCounts {
  const counts: JobCounts = { byState: zeroCounts(), byQueue: {} };
  for (const [field, value] of Object.entries(fields)) {
    const split = field.indexOf(':');
    const state = field.slice(0, split) as JobState;
    const queue = field.slice(split + 1);
    counts.byState[state] += Number(value);
    counts.byQueue[queue] ??= zeroCounts();
    counts.byQueue[queue][state] += Number(value);
  }
  return counts;
}

/** ARGV[3..] of register-server.lua: the row's fields besides id and lastHeartbeatAt, as field/value pairs. */
export function serverArgs(info: ServerInfo): string[] {
  return [
    'name',
    info.name,
    'hostname',
    info.hostname,
    'pid',
    String(info.pid),
    'queues',
    JSON.stringify(info.queues),
    'workerCount',
    String(info.workerCount),
    'startedAt',
    String(info.startedAt.getTime()),
  ];
}

/** A server hash as ServerInfo. */
export function toServer(hash: HashReply): ServerInfo {
  const row = toRow(hash);
  const field = (name: string) => required(row, name, 'server');
  return {
    id: field('id'),
    name: field('name'),
    hostname: field('hostname'),
    pid: Number(field('pid')),
    queues: JSON.parse(field('queues')) as string[],
    workerCount: Number(field('workerCount')),
    startedAt: toDate(field('startedAt')),
    lastHeartbeatAt: toDate(field('lastHeartbeatAt')),
  };
}

/** ARGV[1..15] of upsert-recurring.lua. */
export function recurringArgs(def: RecurringDefinition): string[] {
  return [
    def.id,
    def.cron,
    def.timezone,
    def.method,
    def.payload,
    def.queue,
    String(def.priority),
    String(def.maxAttempts),
    def.timeoutMs === null ? '' : String(def.timeoutMs),
    JSON.stringify(def.metadata),
    def.misfire,
    String(def.nextRunAt.getTime()),
    msOrEmpty(def.lastRunAt),
    String(def.createdAt.getTime()),
    String(def.updatedAt.getTime()),
  ];
}

/** A recurring hash as the definition the core stored. */
export function toRecurring(hash: HashReply): RecurringDefinition {
  const row = toRow(hash);
  const field = (name: string) => required(row, name, 'recurring definition');
  return {
    id: field('id'),
    cron: field('cron'),
    timezone: field('timezone'),
    method: field('method'),
    payload: field('payload'),
    queue: field('queue'),
    priority: Number(field('priority')),
    maxAttempts: Number(field('maxAttempts')),
    timeoutMs: optionalNumber(row.timeoutMs),
    metadata: JSON.parse(field('metadata')) as Record<string, string>,
    misfire: field('misfire') as RecurringDefinition['misfire'],
    nextRunAt: toDate(field('nextRunAt')),
    lastRunAt: optionalDate(row.lastRunAt),
    createdAt: toDate(field('createdAt')),
    updatedAt: toDate(field('updatedAt')),
  };
}
