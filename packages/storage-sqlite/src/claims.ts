// claims.ts: fetchAndLock and the writes a lease holder makes (finish, renewLeases, recordProgress, release,
// releaseLostClaims). Every write is guarded by state = processing and the lease, so a stale lease changes nothing.
import { type Job, randomId } from '@jobsmith/core';
import {
  type FetchAndLockParams,
  type FinishOutcome,
  type FinishState,
  jobErrorToJson,
  jobFromSqlRow,
  type Lease,
  type MovedJob,
  type ProgressReport,
  type ReleaseLostClaimsParams,
  type SqlJobRow,
} from '@jobsmith/core/storage';
import { type SqlParams, toMs } from './rows.js';
import type { SqlName, Statements } from './statements.js';

interface Candidate {
  id: string;
  priority: number;
  run_at: number;
}

/**
 * Claims up to `limit` enqueued jobs in claim order (priority desc, runAt asc, id asc). Each named queue is read
 * through its own index range and the heads merged, so no claim scans or sorts a deep queue. Call inside BEGIN
 * IMMEDIATE: the read and the claim then form one atomic step across processes.
 */
export function claimJobs(statements: Statements, params: FetchAndLockParams, now: number): Job[] {
  const { limit, serverId, leaseMs } = params;
  const candidates =
    params.queues.length === 0
      ? statements.all<Candidate>('fetch-and-lock-candidates-any-queue', { limit })
      : [...new Set(params.queues)]
          .flatMap((queue) => statements.all<Candidate>('fetch-and-lock-candidates', { queue, limit }))
          .sort(byClaimOrder)
          .slice(0, limit);
  const claimed: Job[] = [];
  for (const { id } of candidates) {
    const claim = { id, lease_id: randomId(), server_id: serverId, now, locked_until: now + Math.ceil(leaseMs) };
    const row = statements.get<SqlJobRow>('fetch-and-lock', claim);
    if (row) claimed.push(jobFromSqlRow(row));
  }
  return claimed;
}

function byClaimOrder(a: Candidate, b: Candidate): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.run_at !== b.run_at) return a.run_at - b.run_at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const FINISH_STATEMENTS = {
  succeeded: 'finish-succeeded',
  failed: 'finish-failed',
  awaiting_retry: 'finish-awaiting-retry',
  scheduled: 'finish-scheduled',
} as const satisfies Record<FinishState, SqlName>;

/** Applies each outcome whose lease is live; returns one boolean per outcome, in order. */
export function finishJobs(statements: Statements, outcomes: readonly FinishOutcome[], now: number): boolean[] {
  return outcomes.map((outcome) => {
    const name = outcome.purge ? 'finish-purge' : FINISH_STATEMENTS[outcome.to];
    return statements.run(name, finishParams(outcome, now)) === 1;
  });
}

/** The parameters of every finish statement (each binds the ones it names). */
function finishParams(outcome: FinishOutcome, now: number): SqlParams {
  return {
    id: outcome.id,
    lease_id: outcome.leaseId,
    now,
    result: outcome.to === 'succeeded' ? (outcome.result ?? null) : null,
    last_error: jobErrorToJson(outcome.error),
    expires_at: toMs(outcome.expiresAt),
    run_at: toMs(outcome.runAt),
  };
}

export function renewLeases(statements: Statements, leases: readonly Lease[], lockedUntil: number): boolean[] {
  return leases.map(
    (lease) =>
      statements.run('renew-leases', { id: lease.id, lease_id: lease.leaseId, locked_until: lockedUntil }) === 1,
  );
}

export function recordProgress(statements: Statements, reports: readonly ProgressReport[], now: number): boolean[] {
  return reports.map(
    (report) =>
      statements.run('record-progress', {
        id: report.id,
        lease_id: report.leaseId,
        progress: report.progress,
        now,
      }) === 1,
  );
}

/** Hands leased jobs back to `enqueued`; returns one boolean per lease and the queues that got a job back. */
export function releaseJobs(statements: Statements, leases: readonly Lease[], now: number) {
  const readyQueues = new Set<string>();
  const released = leases.map((lease) => {
    const row = statements.get<{ queue: string }>('release', { id: lease.id, lease_id: lease.leaseId, now });
    if (row) readyQueues.add(row.queue);
    return row !== undefined;
  });
  return { released, readyQueues };
}

/**
 * Hands back, as `releaseJobs` does, the server's processing jobs under a lease it does not hold (a claim whose reply
 * it lost), by id. Call inside BEGIN IMMEDIATE.
 */
export function releaseLostClaims(statements: Statements, params: ReleaseLostClaimsParams, now: number): MovedJob[] {
  const rows = statements.all<SqlJobRow>('release-lost-claims', {
    server_id: params.serverId,
    held_lease_ids: JSON.stringify(params.heldLeaseIds),
    now,
  });
  return rows
    .map((row): MovedJob => ({ job: jobFromSqlRow(row), from: 'processing' }))
    .sort((a, b) => (a.job.id < b.job.id ? -1 : a.job.id > b.job.id ? 1 : 0));
}
