// enqueue.ts: writes a batch of new jobs, all or nothing, and answers { id, duplicate } per job, in order. Shared by
// enqueue (on the pool or the app's transaction client) and fireRecurring (inside its own transaction).
import { type NewJob, StorageError } from '@jobsmith/core';
import { type EnqueueResult, hasGeneratedId } from '@jobsmith/core/storage';
import type { Database, Queryable } from './database.js';
import { replaceJobs } from './enqueue-replace.js';
import { isDeadlock, isUniqueViolation } from './errors.js';
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
 * Rounds of "write, then look for the holders this snapshot could not see" (a single job, or inside a transaction).
 * A second round is needed only when a holder committed concurrently and then vanished before the second look; a
 * third would be a storm of such races.
 */
const MAX_ROUNDS = 3;

const HOLDERS_KEPT_CHANGING = 'uniqueKey holders kept changing';

/**
 * Times enqueue-checked.sql runs before giving up: each run after the first follows a job committed concurrently
 * with the previous one on a key (or id) of the batch, which the next run's fresh snapshot sees.
 */
const MAX_CHECKED_RUNS = 5;

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
  // onDuplicate 'replace' writes holders too: a path of its own, so that a batch of 'keep' jobs costs what it did.
  if (jobs.some((job) => job.onDuplicate === 'replace')) return replaceJobs(db, jobs, channel, via, wakeUps);
  const results: EnqueueResult[] = new Array(jobs.length);
  const pending = dropRepeatedIds(jobs, results);
  // In the app's transaction, its commit or rollback makes the batch all or nothing.
  if (via !== db.pool) return writeRounds(db, pending, channel, via, results);
  await writeOnPool(db, pending, results);
  await wakeListeners(jobs, results, wakeUps);
  return results;
}

/**
 * Writes `pending` on the pool, all or nothing, each try one statement (its own transaction): a single job
 * (enqueue-one.sql), a batch that cannot meet a holder (enqueue-fresh.sql), or else enqueue-checked.sql, run again
 * while a concurrent commit makes it raise. enqueue.sql's second round would come after its first one's commit, so a
 * failing second round (a storm of holder races, a lost connection) would leave part of the batch behind an error.
 */
async function writeOnPool(db: Database, pending: Pending[], results: EnqueueResult[]): Promise<void> {
  if (pending.length <= 1) {
    await writeRounds(db, pending, null, db.pool, results);
    return;
  }
  if (cannotBeDuplicates(pending) && (await insertFresh(db, pending))) {
    for (const { index, job } of pending) results[index] = { id: job.id, duplicate: false };
    return;
  }
  const values = enqueueColumns(pending.map((entry) => entry.job));
  for (let run = 1; ; run++) {
    try {
      const { rows } = await db.run<SkippedRow>('enqueue', 'enqueue-checked', values);
      answer(pending, rows, results);
      return;
    } catch (error) {
      // A deadlock needs a replace batch (enqueue-replace.ts) holding a holder's lock while it waits on this one.
      if (!isUniqueViolation(error) && !isDeadlock(error)) throw error;
      if (run === MAX_CHECKED_RUNS) throw new StorageError('enqueue', { cause: error, detail: HOLDERS_KEPT_CHANGING });
    }
  }
}

/** Writes `pending` by rounds of enqueue.sql (or enqueue-one.sql) and holder look-ups; fills in `results`. */
async function writeRounds(
  db: Database,
  jobs: Pending[],
  channel: string | null,
  via: Queryable,
  results: EnqueueResult[],
): Promise<EnqueueResult[]> {
  let pending = jobs;
  for (let round = 0; pending.length > 0; round++) {
    if (round === MAX_ROUNDS) throw new StorageError('enqueue', { detail: HOLDERS_KEPT_CHANGING });
    pending = await insertRound(db, pending, channel, via, results);
    pending = await findHolders(db, pending, via, results);
  }
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
  return answer(pending, rows, results);
}

/**
 * Fills in the answers of `pending` from the rows of the jobs a statement skipped (every other job was written);
 * returns those skipped without a holder the statement could see.
 */
function answer(pending: Pending[], rows: readonly SkippedRow[], results: EnqueueResult[]): Pending[] {
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
function runInsert(db: Database, pending: Pending[], channel: string | null, via: Queryable) {
  const [only] = pending;
  if (pending.length === 1 && only !== undefined) {
    return db.run<SkippedRow>('enqueue', 'enqueue-one', [...enqueueOneValues(only.job), channel], via);
  }
  const values = [...enqueueColumns(pending.map((entry) => entry.job)), channel];
  return db.run<SkippedRow>('enqueue', 'enqueue', values, via);
}

/**
 * Every id generated by jobsmith and no uniqueKey: enqueue-fresh.sql may write the batch without ON CONFLICT. Only on
 * the pool, where a failed statement is its own transaction: in an app's transaction it would abort the app's work.
 */
function cannotBeDuplicates(pending: readonly Pending[]): boolean {
  return pending.every(({ job }) => job.uniqueKey === null && hasGeneratedId(job));
}

/** Runs enqueue-fresh.sql on the pool; false when an id existed after all (that statement then wrote nothing). */
async function insertFresh(db: Database, pending: readonly Pending[]): Promise<boolean> {
  try {
    await db.run('enqueue', 'enqueue-fresh', [...enqueueColumns(pending.map((entry) => entry.job)), null]);
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false;
    throw error;
  }
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
