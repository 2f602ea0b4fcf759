// enqueue-replace.ts: enqueue's path for a batch holding an onDuplicate 'replace' job (debounce), all or nothing in
// one transaction: lock the holders, give not-started ones the new fields, take the key from started ones, insert
// the rest. enqueue.ts keeps every batch without a 'replace' job off this path, so 'keep' costs what it did.
import { type NewJob, StorageError } from '@jobsmith/core';
import type { EnqueueResult } from '@jobsmith/core/storage';
import { type ArrayElement, arrayLiteral } from './array-literal.js';
import type { Database, Queryable } from './database.js';
import { isDeadlock, isUniqueViolation } from './errors.js';
import { enqueueColumns } from './rows.js';
import type { WakeUps } from './wake-ups.js';

/** A row enqueue-lock-holders.sql locked: a job with one of the batch's ids, or a holder of one of its keys. */
interface LockedRow {
  id: string;
  unique_key: string | null;
  state: string;
}

/** What one batch writes, decided from the locked rows before anything is written. */
interface ReplacePlan {
  results: EnqueueResult[];
  inserts: NewJob[];
  /** Started holders giving up their key, each with the job that takes it. */
  detached: { id: string; job: NewJob }[];
  /** Not-started holder id -> the last job of the batch replacing it. */
  replaced: Map<string, NewJob>;
}

/**
 * Tries of the whole path: each after the first follows a holder or id committed by another caller after this try
 * locked (its insert skipped a job), or a deadlock PostgreSQL broke; the next try's snapshot sees that commit.
 */
const MAX_TRIES = 5;

/**
 * Writes `jobs` (some with onDuplicate 'replace') through `via`: on the pool in a transaction of its own, with the
 * wake-ups sent after its commit; in the app's transaction on it, with a NOTIFY delivered at the app's commit.
 */
export async function replaceJobs(
  db: Database,
  jobs: readonly NewJob[],
  channel: string,
  via: Queryable,
  wakeUps: WakeUps,
): Promise<EnqueueResult[]> {
  if (via === db.pool) {
    const { results, queues } = await db.transaction('enqueue', (client) => writeTrying(db, jobs, client));
    if (queues.size > 0) await wakeUps.wake(queues);
    return results;
  }
  const { results, queues } = await writeTrying(db, jobs, via);
  if (queues.size > 0) await db.run('enqueue', 'notify', [channel, arrayLiteral([...queues])], via);
  return results;
}

/** Runs writeOnce inside a savepoint, rolled back and run again after a lost race. */
async function writeTrying(
  db: Database,
  jobs: readonly NewJob[],
  via: Queryable,
): Promise<{ results: EnqueueResult[]; queues: Set<string> }> {
  for (let attempt = 1; ; attempt++) {
    await db.run('enqueue', 'transaction-savepoint', [], via);
    let lost: unknown = null;
    try {
      const written = await writeOnce(db, jobs, via);
      if (written !== null) {
        await db.run('enqueue', 'transaction-release-savepoint', [], via);
        return written;
      }
    } catch (error) {
      if (!isDeadlock(error) && !isUniqueViolation(error)) throw error;
      lost = error;
    }
    await db.run('enqueue', 'transaction-rollback-to-savepoint', [], via);
    if (attempt === MAX_TRIES) {
      throw new StorageError('enqueue', { cause: lost ?? undefined, detail: 'uniqueKey holders kept changing' });
    }
  }
}

/** Locks, plans and writes the batch; null when a concurrent commit made the plan wrong (nothing kept then). */
async function writeOnce(
  db: Database,
  jobs: readonly NewJob[],
  via: Queryable,
): Promise<{ results: EnqueueResult[]; queues: Set<string> } | null> {
  const ids = arrayLiteral(jobs.map((job) => job.id));
  const keys = arrayLiteral(jobs.map((job) => job.uniqueKey));
  const { rows } = await db.run<LockedRow>('enqueue', 'enqueue-lock-holders', [ids, keys], via);
  const plan = planReplace(jobs, rows);
  const queues = new Set<string>();
  if (plan.detached.length > 0) {
    const detachedIds = arrayLiteral(plan.detached.map(({ id }) => id));
    const updatedMs = arrayLiteral(plan.detached.map(({ job }) => job.createdAt.getTime()));
    await db.run('enqueue', 'enqueue-detach', [detachedIds, updatedMs], via);
  }
  if (plan.inserts.length > 0) {
    const values = [...enqueueColumns(plan.inserts), null];
    const skipped = await db.run<{ ord: number | null }>('enqueue', 'enqueue', values, via);
    if (skipped.rows.some((row) => row.ord !== null)) return null;
    for (const job of plan.inserts) if (job.state === 'enqueued') queues.add(job.queue);
  }
  if (plan.replaced.size > 0) {
    const { rows: changed } = await db.run<{ queue: string; state: string }>(
      'enqueue',
      'enqueue-replace',
      replaceColumns(plan.replaced),
      via,
    );
    for (const row of changed) if (row.state === 'enqueued') queues.add(row.queue);
  }
  return { results: plan.results, queues };
}

/**
 * Decides each job in order, as memory's and SQLite's enqueue do one job at a time: an existing (or repeated) id is a
 * duplicate; a held key is the holder's duplicate under 'keep', replaces a not-started holder (also a job written
 * earlier in this batch), and takes the key from a started one; anything else is inserted.
 */
function planReplace(jobs: readonly NewJob[], locked: readonly LockedRow[]): ReplacePlan {
  const ids = new Set(locked.map((row) => row.id));
  const holders = new Map<string, { id: string; isStarted: boolean }>();
  for (const row of locked) {
    if (row.unique_key === null || !UNFINISHED.has(row.state)) continue;
    holders.set(row.unique_key, {
      id: row.id,
      isStarted: row.state === 'processing' || row.state === 'awaiting_retry',
    });
  }
  const plan: ReplacePlan = { results: [], inserts: [], detached: [], replaced: new Map() };
  for (const job of jobs) {
    if (ids.has(job.id)) {
      plan.results.push({ id: job.id, duplicate: true });
      continue;
    }
    const holder = job.uniqueKey === null ? undefined : holders.get(job.uniqueKey);
    if (holder !== undefined && (job.onDuplicate === 'keep' || !holder.isStarted)) {
      if (job.onDuplicate === 'replace') plan.replaced.set(holder.id, job);
      plan.results.push({ id: holder.id, duplicate: true });
      continue;
    }
    if (holder !== undefined) plan.detached.push({ id: holder.id, job });
    plan.inserts.push(job);
    plan.results.push({ id: job.id, duplicate: false });
    ids.add(job.id);
    if (job.uniqueKey !== null) holders.set(job.uniqueKey, { id: job.id, isStarted: false });
  }
  return plan;
}

const UNFINISHED: ReadonlySet<string> = new Set(['enqueued', 'scheduled', 'processing', 'awaiting_retry']);

/** enqueue-replace.sql's $1..$7: each holder with the fields of the job replacing it. */
function replaceColumns(replaced: ReadonlyMap<string, NewJob>): string[] {
  const entries = [...replaced];
  const column = (pick: (job: NewJob) => ArrayElement) => arrayLiteral(entries.map(([, job]) => pick(job)));
  return [
    arrayLiteral(entries.map(([id]) => id)),
    column((job) => job.payload),
    column((job) => job.priority),
    column((job) => job.state),
    column((job) => job.runAt.getTime()),
    column((job) => job.createdAt.getTime()),
    column((job) => JSON.stringify(job.metadata)),
  ];
}
