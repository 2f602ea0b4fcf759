// rows.ts: rows <-> jobsmith values. Reading parses the JSON text columns and turns timestamps into Dates; writing
// turns a batch into the column arrays the unnest(...) statements take. No SQL and no I/O here.
import type {
  FinishOutcome,
  Job,
  JobError,
  JobState,
  JsonValue,
  MovedJob,
  NewJob,
  ReclaimedServer,
  RecurringDefinition,
  ServerInfo,
} from '@jobsmith/core';

/** A row of the jobs table as pg returns it. */
export interface JobRow {
  id: string;
  method: string;
  payload: string;
  queue: string;
  priority: number;
  state: JobState;
  attempt: number;
  max_attempts: number;
  timeout_ms: string | number | null;
  run_at: Date;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  expires_at: Date | null;
  locked_by: string | null;
  locked_until: Date | null;
  lease_id: string | null;
  unique_key: string | null;
  metadata: string;
  result: string | null;
  last_error: string | null;
  progress: number | null;
}

/** A row of reclaim-dead-servers.sql: the dead server, and one of its jobs (all null for a server without jobs). */
export type ReclaimRow = (JobRow & { dead_server_id: string }) | { dead_server_id: string; id: null };

export interface ServerRow {
  id: string;
  name: string;
  hostname: string;
  pid: number;
  queues: string[];
  worker_count: number;
  started_at: Date;
  last_heartbeat_at: Date;
}

export interface RecurringRow {
  id: string;
  cron: string;
  timezone: string;
  method: string;
  payload: string;
  queue: string;
  priority: number;
  max_attempts: number;
  timeout_ms: string | number | null;
  metadata: string;
  misfire: 'once' | 'skip';
  next_run_at: Date;
  last_run_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    method: row.method,
    payload: JSON.parse(row.payload) as JsonValue,
    queue: row.queue,
    priority: row.priority,
    state: row.state,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    timeoutMs: toNumberOrNull(row.timeout_ms),
    runAt: toDate(row.run_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    startedAt: toDateOrNull(row.started_at),
    finishedAt: toDateOrNull(row.finished_at),
    expiresAt: toDateOrNull(row.expires_at),
    lockedBy: row.locked_by,
    lockedUntil: toDateOrNull(row.locked_until),
    leaseId: row.lease_id,
    uniqueKey: row.unique_key,
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    result: row.result === null ? null : (JSON.parse(row.result) as JsonValue),
    lastError: row.last_error === null ? null : (JSON.parse(row.last_error) as JobError),
    progress: row.progress,
  };
}

/** A job a sweep moved, from a row carrying the state it left (`from_state`) or a fixed origin. */
export function toMovedJob(row: JobRow & { from_state?: JobState }, from: JobState = 'processing'): MovedJob {
  return { job: toJob(row), from: row.from_state ?? from };
}

/** Groups reclaim rows (ordered by server, then job) into one entry per dead server. */
export function toReclaimedServers(rows: readonly ReclaimRow[]): ReclaimedServer[] {
  const byServer = new Map<string, Job[]>();
  for (const row of rows) {
    const jobs = byServer.get(row.dead_server_id) ?? [];
    if (row.id !== null) jobs.push(toJob(row));
    byServer.set(row.dead_server_id, jobs);
  }
  return [...byServer].map(([serverId, jobs]) => ({ serverId, jobs }));
}

export function toServerInfo(row: ServerRow): ServerInfo {
  return {
    id: row.id,
    name: row.name,
    hostname: row.hostname,
    pid: row.pid,
    queues: row.queues,
    workerCount: row.worker_count,
    startedAt: toDate(row.started_at),
    lastHeartbeatAt: toDate(row.last_heartbeat_at),
  };
}

export function toRecurring(row: RecurringRow): RecurringDefinition {
  return {
    id: row.id,
    cron: row.cron,
    timezone: row.timezone,
    method: row.method,
    payload: row.payload,
    queue: row.queue,
    priority: row.priority,
    maxAttempts: row.max_attempts,
    timeoutMs: toNumberOrNull(row.timeout_ms),
    metadata: JSON.parse(row.metadata) as Record<string, string>,
    misfire: row.misfire,
    nextRunAt: toDate(row.next_run_at),
    lastRunAt: toDateOrNull(row.last_run_at),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/** enqueue.sql's $1..$12: one array per column, one element per job. */
export function enqueueColumns(jobs: readonly NewJob[]): unknown[] {
  return [
    jobs.map((job) => job.id),
    jobs.map((job) => job.method),
    jobs.map((job) => job.payload),
    jobs.map((job) => job.queue),
    jobs.map((job) => job.priority),
    jobs.map((job) => job.state),
    jobs.map((job) => job.maxAttempts),
    jobs.map((job) => job.timeoutMs),
    jobs.map((job) => job.runAt),
    jobs.map((job) => job.createdAt),
    jobs.map((job) => job.uniqueKey),
    jobs.map((job) => JSON.stringify(job.metadata)),
  ];
}

/** finish.sql's $1..$8: one array per field, one element per outcome. */
export function finishColumns(outcomes: readonly FinishOutcome[]): unknown[] {
  return [
    outcomes.map((outcome) => outcome.id),
    outcomes.map((outcome) => outcome.leaseId),
    outcomes.map((outcome) => outcome.to),
    outcomes.map((outcome) => outcome.result ?? null),
    outcomes.map((outcome) => (outcome.error ? JSON.stringify(outcome.error) : null)),
    outcomes.map((outcome) => outcome.runAt ?? null),
    outcomes.map((outcome) => outcome.expiresAt ?? null),
    outcomes.map((outcome) => outcome.purge === true),
  ];
}

/** register-server.sql's $1..$8. */
export function serverColumns(info: ServerInfo): unknown[] {
  const { id, name, hostname, pid, queues, workerCount, startedAt, lastHeartbeatAt } = info;
  return [id, name, hostname, pid, queues, workerCount, startedAt, lastHeartbeatAt];
}

/** upsert-recurring.sql's $1..$15. */
export function recurringColumns(def: RecurringDefinition): unknown[] {
  return [
    def.id,
    def.cron,
    def.timezone,
    def.method,
    def.payload,
    def.queue,
    def.priority,
    def.maxAttempts,
    def.timeoutMs,
    JSON.stringify(def.metadata),
    def.misfire,
    def.nextRunAt,
    def.lastRunAt,
    def.createdAt,
    def.updatedAt,
  ];
}

// pg returns Dates for timestamptz and strings for bigint by default; an app-owned pool may have changed either
// parser globally, so both are normalized here.
function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(value);
}

function toDateOrNull(value: Date | string | number | null): Date | null {
  return value === null ? null : toDate(value);
}

function toNumberOrNull(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}
