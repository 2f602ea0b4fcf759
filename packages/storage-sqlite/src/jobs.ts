// jobs.ts: SqliteStorage's job reads and admin transitions (enqueue, cancel, retryFailed). Synchronous: the caller
// supplies the connection's statements and `now`, and wraps writes in BEGIN IMMEDIATE and errors in toStorageError.
import {
  IllegalTransitionError,
  type Job,
  type JobState,
  type NewJob,
  NotFoundError,
  StorageError,
  UniqueKeyConflictError,
  ValidationError,
} from '@jobsmith/core';
import {
  type CountRow,
  type EnqueueParams,
  type EnqueueResult,
  foldCounts,
  type JobCounts,
  jobFromSqlRow,
  type ListParams,
  type SqlJobRow,
} from '@jobsmith/core/storage';
import type Database from 'better-sqlite3';
import { newJobParams, type SqlParams } from './rows.js';
import type { Statements } from './statements.js';

/** What an enqueue wrote: one result per job, and the queues that got an `enqueued` job (to wake subscribers). */
export interface InsertedJobs {
  results: EnqueueResult[];
  readyQueues: Set<string>;
}

/**
 * Inserts jobs in order; a job whose id exists, or whose uniqueKey an unfinished job holds (including an earlier
 * job of this batch), is a duplicate of that job and writes nothing. Call inside one transaction: all or nothing.
 */
export function insertJobs(statements: Statements, jobs: readonly NewJob[]): InsertedJobs {
  const readyQueues = new Set<string>();
  const results = jobs.map((job): EnqueueResult => {
    const params = newJobParams(job);
    if (job.onDuplicate === 'replace') {
      const replaced = replaceHolder(statements, params, readyQueues);
      if (replaced !== undefined) return replaced;
    }
    if (statements.get('enqueue', params)) {
      if (job.state === 'enqueued') readyQueues.add(job.queue);
      return { id: job.id, duplicate: false };
    }
    const holder = statements.get<{ id: string | null }>('enqueue-find-duplicate', {
      id: job.id,
      unique_key: job.uniqueKey,
    });
    if (!holder?.id)
      throw new StorageError('enqueue', { detail: `job ${job.id} was neither inserted nor a duplicate` });
    return { id: holder.id, duplicate: true };
  });
  return { results, readyQueues };
}

/**
 * onDuplicate 'replace': a not-started holder takes the job's fields (its answer is returned, and its queue woken when
 * it is enqueued); a started one gives up the key, and undefined is returned, as when nothing holds it: insert the job.
 */
function replaceHolder(statements: Statements, params: SqlParams, readyQueues: Set<string>): EnqueueResult | undefined {
  const holder = statements.get<{ id: string; queue: string; state: JobState }>('enqueue-replace', params);
  if (holder) {
    if (holder.state === 'enqueued') readyQueues.add(holder.queue);
    return { id: holder.id, duplicate: true };
  }
  statements.run('enqueue-detach', params);
  return undefined;
}

/** enqueue's body: `tx`, when given, must be this connection (its open transaction is then joined). */
export function enqueueJobs(statements: Statements, params: EnqueueParams<Database.Database>): InsertedJobs {
  if (params.tx !== undefined && params.tx !== statements.db) {
    throw new ValidationError('enqueue', 'tx', 'must be the Database this storage stores jobs in', params.tx);
  }
  return insertJobs(statements, params.jobs);
}

export function getJob(statements: Statements, id: string): Job | null {
  const row = statements.get<SqlJobRow>('get', { id });
  return row ? jobFromSqlRow(row) : null;
}

export function listJobs(statements: Statements, params: ListParams): Job[] {
  const filters = { state: params.state ?? null, queue: params.queue ?? null, method: params.method ?? null };
  const rows = statements.all<SqlJobRow>('list', { ...filters, limit: params.limit, offset: params.offset });
  return rows.map(jobFromSqlRow);
}

export function countJobs(statements: Statements): JobCounts {
  return foldCounts(statements.all<CountRow>('counts'));
}

/**
 * Any unfinished job -> deleted, and whether it was `processing` (a server holds it: subscribers are told). Throws
 * NotFoundError / IllegalTransitionError and changes nothing otherwise. Call inside BEGIN IMMEDIATE, so the state
 * read is the one the write replaced.
 */
export function cancelJob(
  statements: Statements,
  id: string,
  now: number,
  expiresAt: number | null,
): { job: Job; wasProcessing: boolean } {
  const before = statements.get<{ state: JobState }>('get', { id });
  const row = statements.get<SqlJobRow>('cancel', { id, now, expires_at: expiresAt });
  if (row) return { job: jobFromSqlRow(row), wasProcessing: before?.state === 'processing' };
  throw refusal(statements, 'cancel', id, 'deleted');
}

/**
 * A failed job -> enqueued, due now. Throws NotFoundError / IllegalTransitionError, or UniqueKeyConflictError when
 * another unfinished job now holds its uniqueKey, and changes nothing then. Call inside BEGIN IMMEDIATE, so no
 * holder can appear between the check and the write.
 */
export function retryFailedJob(statements: Statements, id: string, now: number): Job {
  const held = statements.get<{ unique_key: string }>('retry-failed-holder', { id });
  if (held) throw new UniqueKeyConflictError('retryFailed', id, held.unique_key);
  const row = statements.get<SqlJobRow>('retry-failed', { id, now });
  if (row) return jobFromSqlRow(row);
  throw refusal(statements, 'retryFailed', id, 'enqueued');
}

/** Why a guarded admin write matched no row: the job is missing, or its state does not allow the move. */
function refusal(statements: Statements, operation: string, id: string, to: JobState): Error {
  const job = statements.get<{ state: JobState }>('get', { id });
  return job ? new IllegalTransitionError(operation, id, job.state, to) : new NotFoundError(operation, id);
}
