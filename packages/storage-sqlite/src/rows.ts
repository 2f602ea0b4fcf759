// rows.ts: SqliteStorage's statement parameters and server rows. Instants are INTEGER epoch ms; payload and result
// stay the JSON text the core gave; metadata and last_error are JSON text. Job and recurring rows are read back with
// core's jobFromSqlRow / recurringFromSqlRow (the snake_case layout both SQL backends share).
import type { NewJob } from '@jobsmith/core';
import type { RecurringDefinition, ServerInfo } from '@jobsmith/core/storage';

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

/** Named parameters for one statement (`$name` in the SQL binds `name` here). */
export type SqlParams = Record<string, string | number | null>;

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
    overlap: def.overlap,
    next_run_at: def.nextRunAt.getTime(),
    last_run_at: toMs(def.lastRunAt),
    created_at: def.createdAt.getTime(),
    updated_at: def.updatedAt.getTime(),
  };
}

export function toMs(date: Date | null | undefined): number | null {
  return date == null ? null : date.getTime();
}
