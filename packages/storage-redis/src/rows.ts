// rows.ts: Redis hashes <-> jobsmith values. Jobs, servers and recurring definitions travel to scripts as ARGV
// strings; jobs come back as rows of JOB_FIELDS values, servers and definitions as HGETALL replies. Times are ms
// strings, a null is an absent field (or '' in ARGV). Payload and result are stored as the exact JSON text the core gave and parsed only here, on the way out.
import { type Job, type JobState, type JsonValue, type NewJob, StorageError } from '@jobsmith/core';
import {
  type FinishOutcome,
  foldCounts,
  type JobCounts,
  jobErrorFromJson,
  jobErrorToJson,
  type RecurringDefinition,
  type ServerInfo,
} from '@jobsmith/core/storage';

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

/**
 * Every field of a Job, in the order scripts reply with them (helpers.lua JOB_FIELDS; a test keeps the two equal). A
 * job travels back as these values, an absent field as null: no field names on the wire, no object built per row.
 */
export const JOB_FIELDS = [
  'id',
  'method',
  'payload',
  'queue',
  'priority',
  'state',
  'attempt',
  'maxAttempts',
  'timeoutMs',
  'runAt',
  'createdAt',
  'updatedAt',
  'startedAt',
  'finishedAt',
  'expiresAt',
  'lockedBy',
  'lockedUntil',
  'leaseId',
  'uniqueKey',
  'metadata',
  'result',
  'lastError',
  'progress',
] as const;

/** One job's JOB_FIELDS values as a script or HMGET replies them; null where the hash has no such field. */
export type JobRow = readonly (string | null)[];

const EMPTY_METADATA = '{}';

type JobField = (typeof JOB_FIELDS)[number];
/** Each field's index in a row. */
const AT = Object.fromEntries(JOB_FIELDS.map((name, index) => [name, index])) as Record<JobField, number>;

/** A field of the row at `at`, null when absent. */
const optional = (row: JobRow, at: number, name: JobField): string | null => row[at + AT[name]] ?? null;

/** A field every job has; its absence means the hash is corrupt (or vanished mid-read). */
function requiredField(row: JobRow, at: number, name: JobField): string {
  const value = row[at + AT[name]];
  if (value === null || value === undefined) {
    throw new StorageError('read', { detail: `job ${row[at] ?? '?'} has no ${name} field` });
  }
  return value;
}

const numberOrNull = (value: string | null): number | null => (value === null ? null : Number(value));
const dateOrNull = (value: string | null): Date | null => (value === null ? null : toDate(value));

/** The job whose JOB_FIELDS values start at `at` in `row` (promoteDue's rows lead with the state they left). */
export function toJob(row: JobRow, at = 0): Job {
  const metadata = optional(row, at, 'metadata') ?? EMPTY_METADATA;
  const result = optional(row, at, 'result');
  return {
    id: requiredField(row, at, 'id'),
    method: requiredField(row, at, 'method'),
    payload: JSON.parse(requiredField(row, at, 'payload')) as JsonValue,
    queue: requiredField(row, at, 'queue'),
    priority: Number(requiredField(row, at, 'priority')),
    state: requiredField(row, at, 'state') as JobState,
    attempt: Number(requiredField(row, at, 'attempt')),
    maxAttempts: Number(requiredField(row, at, 'maxAttempts')),
    timeoutMs: numberOrNull(optional(row, at, 'timeoutMs')),
    runAt: toDate(requiredField(row, at, 'runAt')),
    createdAt: toDate(requiredField(row, at, 'createdAt')),
    updatedAt: toDate(requiredField(row, at, 'updatedAt')),
    startedAt: dateOrNull(optional(row, at, 'startedAt')),
    finishedAt: dateOrNull(optional(row, at, 'finishedAt')),
    expiresAt: dateOrNull(optional(row, at, 'expiresAt')),
    lockedBy: optional(row, at, 'lockedBy'),
    lockedUntil: dateOrNull(optional(row, at, 'lockedUntil')),
    leaseId: optional(row, at, 'leaseId'),
    uniqueKey: optional(row, at, 'uniqueKey'),
    metadata: metadata === EMPTY_METADATA ? {} : (JSON.parse(metadata) as Record<string, string>),
    result: result === null ? null : (JSON.parse(result) as JsonValue),
    lastError: jobErrorFromJson(optional(row, at, 'lastError')),
    progress: numberOrNull(optional(row, at, 'progress')),
  };
}

/**
 * The stored fields fetch-and-lock.lua replies with per claimed job (its CLAIMED_FIELDS; a test keeps the two equal):
 * every Job field but those the claim sets to values its caller chose, which `claimedJob` fills in instead.
 */
export const CLAIMED_FIELDS = [
  'id',
  'method',
  'payload',
  'queue',
  'priority',
  'state',
  'attempt',
  'maxAttempts',
  'timeoutMs',
  'runAt',
  'createdAt',
  'finishedAt',
  'expiresAt',
  'uniqueKey',
  'metadata',
  'result',
  'lastError',
  'progress',
] as const satisfies readonly JobField[];

/** For each JOB_FIELDS index, where a claimed row holds that field (-1: the claim wrote it; claimedJob fills it in). */
const CLAIMED_SOURCE: readonly number[] = JOB_FIELDS.map((name) => (CLAIMED_FIELDS as readonly string[]).indexOf(name));

/** What one fetchAndLock call wrote into every job it claimed (fetch-and-lock.lua ARGV). */
export interface Claim {
  /** The claiming server: every job's lockedBy. */
  serverId: string;
  /** The k-th claimed job (from 1) gets leaseId `leaseBase + k`. */
  leaseBase: string;
  /** now in ms, as sent to the script: every job's startedAt and updatedAt. */
  now: string;
  /** now + leaseMs in ms, as sent to the script: every job's lockedUntil. */
  lockedUntil: string;
}

/** The claimed job of reply row `row`, the `ordinal`-th of its claim (from 1). */
export function claimedJob(row: JobRow, claim: Claim, ordinal: number): Job {
  const full: (string | null)[] = CLAIMED_SOURCE.map((at) => (at === -1 ? null : (row[at] ?? null)));
  // The row still holds the state the script checked (enqueued): what the claim wrote replaces it.
  full[AT.state] = 'processing';
  full[AT.leaseId] = `${claim.leaseBase}${ordinal}`;
  full[AT.lockedBy] = claim.serverId;
  full[AT.lockedUntil] = claim.lockedUntil;
  full[AT.startedAt] = claim.now;
  full[AT.updatedAt] = claim.now;
  return toJob(full);
}

/** The 13 ARGV slots of a new job (helpers.lua NEW_JOB_WIDTH); the payload goes as given, never re-encoded. */
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
    job.onDuplicate,
  ];
}

/** Appends the 8 ARGV slots of one finish outcome (finish.lua) to `args`; already checked by checkFinishOutcomes. */
export function pushFinishArgs(args: string[], outcome: FinishOutcome): void {
  args.push(
    outcome.id,
    outcome.leaseId,
    outcome.to,
    outcome.result ?? '',
    jobErrorToJson(outcome.error) ?? '',
    outcome.to === 'awaiting_retry' || outcome.to === 'scheduled' ? msOrEmpty(outcome.runAt) : '',
    msOrEmpty(outcome.expiresAt),
    outcome.purge ? '1' : '0',
  );
}

/** The counts hash (fields `<state>:<queue>`, zeros deleted) as JobCounts with every state present. */
export function toCounts(fields: Readonly<Record<string, string>>): JobCounts {
  return foldCounts(
    Object.entries(fields).map(([field, value]) => {
      const split = field.indexOf(':');
      return { state: field.slice(0, split) as JobState, queue: field.slice(split + 1), n: Number(value) };
    }),
  );
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

/** ARGV[1..16] of upsert-recurring.lua. */
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
    def.overlap,
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
    // Written since overlap existed; a hash from before has none, and every tick fired then.
    overlap: (row.overlap ?? 'allow') as RecurringDefinition['overlap'],
    nextRunAt: toDate(field('nextRunAt')),
    lastRunAt: optionalDate(row.lastRunAt),
    createdAt: toDate(field('createdAt')),
    updatedAt: toDate(field('updatedAt')),
  };
}
