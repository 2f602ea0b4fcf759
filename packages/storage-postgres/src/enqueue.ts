// enqueue.ts: writes a batch of new jobs with enqueue.sql and answers { id, duplicate } per job, in order. Shared
// by enqueue (on the pool or the app's transaction client) and fireRecurring (inside its own transaction).
import { type EnqueueResult, hasGeneratedId, type NewJob, StorageError } from '@jobsmith/core';
import type { Database, Queryable } from './database.js';
import { isUniqueViolation } from './errors.js';
import { enqueueColumns, enqueueOneValues } from './rows.js';
import type { WakeUps } from './wake-ups.js';

/** A job enqueue.sql skipped (or, when it skipped none, one row of nulls). */
interface SkippedRow {
  ord: number | null;
  holder_id: string | null;
}

/** A job still to write, and where its answer goes. */
interface Pending {
  index: number;
  job: NewJob;
}

/**
 * Rounds of "write, then look for the holders this snapshot could not see". A second round is needed only when a
 * holder committed concurrently and then vanished before the second look; a third would be a storm of such races.
 */
const MAX_ROUNDS = 3;

/**
 * Inserts `jobs` through `via`, waking `channel`'s listeners; one statement unless a concurrent commit blocked a job.
 * Inside an app's transaction the NOTIFY rides in it (delivered at its commit, never for a rollback). On the pool it
 * is a statement of its own after the commit, sent by `wakeUps` (notify.sql: a transaction that NOTIFYs holds every
 * other one's commit until its WAL flush ends, so single enqueues could not share flushes). Should that statement
 * fail, the jobs are written all the same, and servers find them at their next poll.
 */
export async function insertJobs(
  db: Database,
  jobs: readonly NewJob[],
  channel: string,
  via: Queryable,
  wakeUps: WakeUps,
): Promise<EnqueueResult[]> {
  const wakeAfter = via === db.pool;
  const results: EnqueueResult[] = new Array(jobs.length);
  let pending = dropRepeatedIds(jobs, results);
  for (let round = 0; pending.length > 0; round++) {
    if (round === MAX_ROUNDS) throw new StorageError('enqueue', { detail: 'uniqueKey holders kept changing' });
    pending = await insertRound(db, pending, wakeAfter ? null : channel, via, results);
    pending = await findHolders(db, pending, via, results);
  }
  if (wakeAfter) await wakeListeners(jobs, results, wakeUps);
  return results;
}

/** Wakes the listeners of each queue that got a job written as enqueued (a scheduled one wakes nobody yet). */
function wakeListeners(jobs: readonly NewJob[], results: readonly EnqueueResult[], wakeUps: WakeUps): Promise<void> {
  const queues = new Set<string>();
  for (let index = 0; index < jobs.length; index++) {
    const job = jobs[index] as NewJob;
    if (job.state === 'enqueued' && results[index]?.duplicate === false) queues.add(job.queue);
  }
  return queues.size === 0 ? Promise.resolve() : wakeUps.wake(queues);
}

/**
 * An id repeated within the batch (a caller-chosen one, or the same job given twice): the later copies are duplicates
 * of the first.
 */
function dropRepeatedIds(jobs: readonly NewJob[], results: EnqueueResult[]): Pending[] {
  const seen = new Set<string>();
  const pending: Pending[] = [];
  for (let index = 0; index < jobs.length; index++) {
    const job = jobs[index] as NewJob;
    if (seen.has(job.id)) results[index] = { id: job.id, duplicate: true };
    else pending.push({ index, job });
    seen.add(job.id);
  }
  return pending;
}

/** Runs enqueue.sql; returns the jobs it skipped without seeing who blocked them. */
async function insertRound(
  db: Database,
  pending: Pending[],
  channel: string | null,
  via: Queryable,
  results: EnqueueResult[],
): Promise<Pending[]> {
  const { rows } = await runInsert(db, pending, channel, via);
  const skipped = new Set<number>();
  const unresolved: Pending[] = [];
  for (const row of rows) {
    if (row.ord === null) continue;
    const entry = pending[row.ord - 1] as Pending;
    skipped.add(row.ord - 1);
    if (row.holder_id !== null) results[entry.index] = { id: row.holder_id, duplicate: true };
    else unresolved.push(entry);
  }
  // Only skipped jobs come back: every other one was written.
  for (let position = 0; position < pending.length; position++) {
    const { index, job } = pending[position] as Pending;
    if (!skipped.has(position)) results[index] = { id: job.id, duplicate: false };
  }
  return unresolved;
}

/**
 * One job (the usual single call) runs enqueue-one.sql: scalar parameters let PostgreSQL keep one generic plan per
 * connection, where enqueue.sql's arrays had it re-plan every call. Same answer shape either way.
 */
async function runInsert(db: Database, pending: Pending[], channel: string | null, via: Queryable) {
  const [only] = pending;
  if (pending.length === 1 && only !== undefined) {
    return db.run<SkippedRow>('enqueue', 'enqueue-one', [...enqueueOneValues(only.job), channel], via);
  }
  const values = [...enqueueColumns(pending.map((entry) => entry.job)), channel];
  if (cannotBeDuplicates(pending, db, via)) {
    try {
      await db.run('enqueue', 'enqueue-fresh', values, via);
      return { rows: [] as SkippedRow[] };
    } catch (error) {
      // An id existed after all: that statement wrote nothing; enqueue.sql sorts the batch out.
      if (!isUniqueViolation(error)) throw error;
    }
  }
  return db.run<SkippedRow>('enqueue', 'enqueue', values, via);
}

/**
 * Every id generated by jobsmith and no uniqueKey: enqueue-fresh.sql may write the batch without ON CONFLICT. Only on
 * the pool, where a failed statement is its own transaction: in an app's transaction it would abort the app's work.
 */
function cannotBeDuplicates(pending: readonly Pending[], db: Database, via: Queryable): boolean {
  return via === db.pool && pending.every(({ job }) => job.uniqueKey === null && hasGeneratedId(job));
}

/** Looks again (a fresh snapshot) for jobs holding the ids / keys of `unresolved`; returns those still unexplained. */
async function findHolders(
  db: Database,
  unresolved: Pending[],
  via: Queryable,
  results: EnqueueResult[],
): Promise<Pending[]> {
  if (unresolved.length === 0) return [];
  const ids = unresolved.map((entry) => entry.job.id);
  const keys = unresolved.map((entry) => entry.job.uniqueKey);
  const { rows } = await db.run<{ id: string; unique_key: string | null }>(
    'enqueue',
    'enqueue-holders',
    [ids, keys],
    via,
  );
  const retry: Pending[] = [];
  for (const entry of unresolved) {
    const holder =
      rows.find((row) => row.id === entry.job.id) ??
      rows.find((row) => entry.job.uniqueKey !== null && row.unique_key === entry.job.uniqueKey);
    if (holder) results[entry.index] = { id: holder.id, duplicate: true };
    else retry.push(entry);
  }
  return retry;
}
