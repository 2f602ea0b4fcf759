// rows.ts: PostgresStorage's rows <-> jobsmith values. Job and recurring rows are read with core's jobFromSqlRow /
// recurringFromSqlRow (the snake_case layout both SQL backends share); here are this backend's own shapes (sweep and
// reclaim rows, server rows) and the column arrays the unnest(...) statements take. No SQL and no I/O here.
import type { Job, JobState, NewJob } from '@jobsmith/core';
import {
  type FinishOutcome,
  jobErrorToJson,
  jobFromSqlRow,
  type MovedJob,
  type ReclaimedServer,
  type RecurringDefinition,
  type ServerInfo,
  type SqlJobRow,
  sqlInstantToDate,
} from '@jobsmith/core/storage';
import { arrayLiteral } from './array-literal.js';

/** A row of reclaim-dead-servers.sql: the dead server, and one of its jobs (all null for a server without jobs). */
export type ReclaimRow = (SqlJobRow & { dead_server_id: string }) | { dead_server_id: string; id: null };

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

/** A job a sweep moved, from a row carrying the state it left (`from_state`) or a fixed origin. */
export function toMovedJob(row: SqlJobRow & { from_state?: JobState }, from: JobState = 'processing'): MovedJob {
  return { job: jobFromSqlRow(row), from: row.from_state ?? from };
}

/** Groups reclaim rows (ordered by server, then job) into one entry per dead server. */
export function toReclaimedServers(rows: readonly ReclaimRow[]): ReclaimedServer[] {
  const byServer = new Map<string, Job[]>();
  for (const row of rows) {
    const jobs = byServer.get(row.dead_server_id) ?? [];
    if (row.id !== null) jobs.push(jobFromSqlRow(row));
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
    // An app-owned pool may have replaced pg's timestamptz parser, so the value may not be a Date.
    startedAt: sqlInstantToDate(row.started_at),
    lastHeartbeatAt: sqlInstantToDate(row.last_heartbeat_at),
  };
}

/** enqueue.sql's $1..$12: one array per column, one element per job; times as epoch milliseconds. */
export function enqueueColumns(jobs: readonly NewJob[]): string[] {
  return [
    arrayLiteral(jobs.map((job) => job.id)),
    arrayLiteral(jobs.map((job) => job.method)),
    arrayLiteral(jobs.map((job) => job.payload)),
    arrayLiteral(jobs.map((job) => job.queue)),
    arrayLiteral(jobs.map((job) => job.priority)),
    arrayLiteral(jobs.map((job) => job.state)),
    arrayLiteral(jobs.map((job) => job.maxAttempts)),
    arrayLiteral(jobs.map((job) => job.timeoutMs)),
    arrayLiteral(jobs.map((job) => job.runAt.getTime())),
    arrayLiteral(jobs.map((job) => job.createdAt.getTime())),
    arrayLiteral(jobs.map((job) => job.uniqueKey)),
    arrayLiteral(jobs.map((job) => JSON.stringify(job.metadata))),
  ];
}

/** enqueue-one.sql's $1..$12: enqueue.sql's columns for a single job, as scalars. */
export function enqueueOneValues(job: NewJob): unknown[] {
  const { id, method, payload, queue, priority, state, maxAttempts, timeoutMs, runAt, createdAt, uniqueKey } = job;
  return [
    id,
    method,
    payload,
    queue,
    priority,
    state,
    maxAttempts,
    timeoutMs,
    runAt,
    createdAt,
    uniqueKey,
    JSON.stringify(job.metadata),
  ];
}

/** finish.sql's $1..$8: one array per field, one element per outcome. */
export function finishColumns(outcomes: readonly FinishOutcome[]): unknown[] {
  return [
    arrayLiteral(outcomes.map((outcome) => outcome.id)),
    arrayLiteral(outcomes.map((outcome) => outcome.leaseId)),
    arrayLiteral(outcomes.map((outcome) => outcome.to)),
    arrayLiteral(outcomes.map((outcome) => outcome.result)),
    arrayLiteral(outcomes.map((outcome) => jobErrorToJson(outcome.error))),
    outcomes.map((outcome) => outcome.runAt ?? null),
    outcomes.map((outcome) => outcome.expiresAt ?? null),
    arrayLiteral(outcomes.map((outcome) => outcome.purge === true)),
  ];
}

/**
 * finish-purge.sql's $1, $2: ids and lease ids. A repeated id is sent as NULL, which matches nothing, so only its
 * first outcome can apply (as in finish.sql) while every ordinal still names its outcome.
 */
export function finishPurgeColumns(outcomes: readonly FinishOutcome[]): string[] {
  const seen = new Set<string>();
  const ids = outcomes.map(({ id }) => {
    if (seen.has(id)) return null;
    seen.add(id);
    return id;
  });
  return [arrayLiteral(ids), arrayLiteral(outcomes.map((outcome) => outcome.leaseId))];
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
    def.overlap,
  ];
}
