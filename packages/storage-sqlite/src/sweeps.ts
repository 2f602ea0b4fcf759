// sweeps.ts: the maintenance moves (promoteDue, requeueExpiredLeases, purgeExpired) and the lapse step they share
// with reclaimDeadServers. Each reads by a partial index only what is due, at most `limit` rows.
import type { Job, JobState } from '@jobsmith/core';
import { jobFromSqlRow, type MovedJob, type SqlJobRow } from '@jobsmith/core/storage';
import type { Statements } from './statements.js';

/** Due scheduled / awaiting_retry jobs -> enqueued, earliest runAt first. Call inside BEGIN IMMEDIATE. */
export function promoteDueJobs(statements: Statements, now: number, limit: number): MovedJob[] {
  const due = statements.all<{ id: string; state: JobState }>('promote-due-candidates', { now, limit });
  const moved: MovedJob[] = [];
  for (const { id, state } of due) {
    const row = statements.get<SqlJobRow>('promote-due', { id, now });
    if (row) moved.push({ job: jobFromSqlRow(row), from: state });
  }
  return moved;
}

/** What a lapsed job leaves behind when it has no attempt left. */
export interface LapseParams {
  now: number;
  /** Purge time (epoch ms) of a job that fails for want of attempts. */
  failedExpiresAt: number | null;
  /** Names why the owner lost the job; becomes lastError.message of a job that fails. */
  reason: string;
}

/**
 * A processing job whose owner is gone: back to enqueued keeping its spent attempt, or failed when none is left.
 * Null when it was no longer processing. Call inside BEGIN IMMEDIATE.
 */
export function lapseJob(statements: Statements, id: string, params: LapseParams): Job | null {
  const { now, failedExpiresAt, reason } = params;
  const requeued = statements.get<SqlJobRow>('lapse-requeue', { id, now });
  if (requeued) return jobFromSqlRow(requeued);
  const lastError = JSON.stringify({ name: 'LeaseExpiredError', message: reason });
  const failed = statements.get<SqlJobRow>('lapse-fail', {
    id,
    now,
    expires_at: failedExpiresAt,
    last_error: lastError,
  });
  return failed ? jobFromSqlRow(failed) : null;
}

/** Processing jobs whose lease lapsed -> enqueued (or failed). Call inside BEGIN IMMEDIATE. */
export function requeueExpiredLeases(
  statements: Statements,
  params: { now: number; limit: number; failedExpiresAt: number | null },
): MovedJob[] {
  const { now, limit, failedExpiresAt } = params;
  const lapsed = statements.all<{ id: string }>('requeue-expired-leases-candidates', { now, limit });
  const at = new Date(now).toISOString();
  const moved: MovedJob[] = [];
  for (const { id } of lapsed) {
    const job = lapseJob(statements, id, { now, failedExpiresAt, reason: `lease expired: not renewed by ${at}` });
    if (job) moved.push({ job, from: 'processing' });
  }
  return moved;
}

/** Deletes finished jobs past expiresAt, earliest first; returns how many. */
export function purgeExpiredJobs(statements: Statements, now: number, limit: number): number {
  return statements.run('purge-expired', { now, limit });
}
