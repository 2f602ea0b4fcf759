// rows.ts: how SqliteStorage's rows map to jobsmith's types and back. Instants are INTEGER epoch ms; payload and
// result stay the JSON text the core gave and are parsed only on read; metadata and last_error are JSON text.
import type { Job, JobError, JobState, NewJob, RecurringDefinition, ServerInfo } from '@jobsmith/core';

/** A {{jobs}} row as better-sqlite3 returns it. */
export interface JobRow {
  id: string;
  method: string;
  payload: string;
  queue: string;
  priority: number;
  state: JobState;
  attempt: number;
  max_attempts: number;
  timeout_ms: number | null;
  run_at: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  expires_at: number | null;
  locked_by: string | null;
  locked_until: number | null;
  lease_id: string | null;
  unique_key: string | null;
  metadata: string;
  result: string | null;
  last_error: string | null;
  progress: number | null;
}

export interface ServerRow {
  id: string;
  name: string;
  hostname: string;
  pid: number;
  queues: string;
  worker_count: number;
  started_at: number;
  last_heartbeat_at: number;
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
  timeout_ms: number | null;
  metadata: string;
  misfire: 'once' | 'skip';
  next_run_at: number;
  last_run_at: number | null;
  created_at: number;
  updated_at: number;
}

/** Named parameters for one statement (`$name` in the SQL binds `name` here). */
export type SqlParams = Record<string, string | number | null>;

export function jobFromRow(row: JobRow): Job {
  return {
    id: row.id,
    method: row.method,
    payload: JSON.parse(row.payload),
    queue: row.queue,
    priority: row.priority,
    state: row.state,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    runAt: new Date(row.run_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    startedAt: toDate(row.started_at),
    finishedAt: toDate(row.finished_at),
    expiresAt: toDate(row.expires_at),
    lockedBy: row.locked_by,
    lockedUntil: toDate(row.locked_until),
    leaseId: row.lease_id,
    uniqueKey: row.unique_key,
    metadata: JSON.parse(row.metadata),
    result: row.result === null ? null : JSON.parse(row.result),
    lastError: row.last_error === null ? null : JSON.parse(row.last_error),
    progress: row.progress,
  };
}

/** enqueue.sql's parameters for one job. */
export function newJobParams(job: NewJob): SqlParams {
  return {
    id: job.id,
    method: job.method,
    payload: job.payload,
    queue: job.queue,
    priority: job.priority,
    state: job.state,
    max_attempts: job.maxAttempts,
    timeout_ms: job.timeoutMs,
    run_at: job.runAt.getTime(),
    created_at: job.createdAt.getTime(),
    unique_key: job.uniqueKey,
    metadata: JSON.stringify(job.metadata),
  };
}

/** JSON text of a job error. Fields are copied one by one: an Error instance keeps `message` non-enumerable. */
export function errorText(error: JobError | null | undefined): string | null {
  if (error == null) return null;
  const copy: JobError = { message: error.message };
  if (error.name !== undefined) copy.name = error.name;
  if (error.stack !== undefined) copy.stack = error.stack;
  return JSON.stringify(copy);
}

export function serverFromRow(row: ServerRow): ServerInfo {
  return {
    id: row.id,
    name: row.name,
    hostname: row.hostname,
    pid: row.pid,
    queues: JSON.parse(row.queues),
    workerCount: row.worker_count,
    startedAt: new Date(row.started_at),
    lastHeartbeatAt: new Date(row.last_heartbeat_at),
  };
}

export function serverParams(info: ServerInfo): SqlParams {
  return {
    id: info.id,
    name: info.name,
    hostname: info.hostname,
    pid: info.pid,
    queues: JSON.stringify(info.queues),
    worker_count: info.workerCount,
    started_at: info.startedAt.getTime(),
    last_heartbeat_at: info.lastHeartbeatAt.getTime(),
  };
}

export function recurringFromRow(row: RecurringRow): RecurringDefinition {
  return {
    id: row.id,
    cron: row.cron,
    timezone: row.timezone,
    method: row.method,
    payload: row.payload,
    queue: row.queue,
    priority: row.priority,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    metadata: JSON.parse(row.metadata),
    misfire: row.misfire,
    nextRunAt: new Date(row.next_run_at),
    lastRunAt: toDate(row.last_run_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export function recurringParams(def: RecurringDefinition): SqlParams {
  return {
    id: def.id,
    cron: def.cron,
    timezone: def.timezone,
    method: def.method,
    payload: def.payload,
    queue: def.queue,
    priority: def.priority,
    max_attempts: def.maxAttempts,
    timeout_ms: def.timeoutMs,
    metadata: JSON.stringify(def.metadata),
    misfire: def.misfire,
    next_run_at: def.nextRunAt.getTime(),
    last_run_at: toMs(def.lastRunAt),
    created_at: def.createdAt.getTime(),
    updated_at: def.updatedAt.getTime(),
  };
}

export function toMs(date: Date | null | undefined): number | null {
  return date == null ? null : date.getTime();
}

function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}
