// job-table.ts: every stored job plus the indexes over it, kept in step by the only three writes there are (insert,
// update, remove). It answers "what comes next" in O(log n); it never decides whether a transition is allowed.
import { isFinishedState } from '@jobsmith/core';
import { type Before, LazyHeap, mergeHeads, StateCounters } from './indexes.js';
import type { JobRecord, RecordPatch } from './records.js';

/** A job's place in one heap, as of `version`. */
interface IndexEntry {
  id: string;
  version: number;
  /** Higher first; only the ready heaps use it (0 elsewhere). */
  priority: number;
  /** Epoch ms the heap orders by: runAt, lockedUntil or expiresAt. */
  at: number;
}

/** Claim order: priority desc, runAt asc, id asc. */
const claimBefore: Before<IndexEntry> = (a, b) =>
  a.priority !== b.priority ? a.priority > b.priority : a.at !== b.at ? a.at < b.at : a.id < b.id;

/** Sweep order: earliest first, id breaking ties so the order is deterministic. */
const timeBefore: Before<IndexEntry> = (a, b) => (a.at !== b.at ? a.at < b.at : a.id < b.id);

/**
 * The jobs by id, and per purpose an index of the ones that matter to it: ready heaps per queue for claims, time
 * heaps for the sweeps, the uniqueKey holders, each server's processing jobs, and the counters.
 */
export class JobTable {
  private readonly records = new Map<string, JobRecord>();
  /** `enqueued` jobs, one heap per queue, in claim order. */
  private readonly ready = new Map<string, LazyHeap<IndexEntry>>();
  /** `scheduled` and `awaiting_retry` jobs by runAt, for promoteDue. */
  private readonly due: LazyHeap<IndexEntry>;
  /** `processing` jobs by lockedUntil, for requeueExpiredLeases. */
  private readonly leases: LazyHeap<IndexEntry>;
  /** Finished jobs with an expiresAt, by expiresAt, for purgeExpired. */
  private readonly expiries: LazyHeap<IndexEntry>;
  /** uniqueKey -> id of the unfinished job holding it. */
  private readonly uniqueHolders = new Map<string, string>();
  /** serverId -> ids of the `processing` jobs it holds, for reclaimDeadServers. */
  private readonly serverJobs = new Map<string, Set<string>>();
  private readonly counters = new StateCounters();
  private lastVersion = 0;

  /** `onEnqueued(queue)` runs (synchronously) whenever a job enters `enqueued`. */
  constructor(private readonly onEnqueued: (queue: string) => void) {
    const counters = this.counters;
    this.due = this.heap(timeBefore, () => counters.get('scheduled') + counters.get('awaiting_retry'));
    this.leases = this.heap(timeBefore, () => counters.get('processing'));
    this.expiries = this.heap(
      timeBefore,
      () => counters.get('succeeded') + counters.get('failed') + counters.get('deleted'),
    );
  }

  get(id: string): JobRecord | undefined {
    return this.records.get(id);
  }

  /** Every record, in no particular order (admin reads only). */
  values(): IterableIterator<JobRecord> {
    return this.records.values();
  }

  /** Id of the unfinished job holding `uniqueKey`, if any. */
  uniqueHolder(uniqueKey: string): string | undefined {
    return this.uniqueHolders.get(uniqueKey);
  }

  /** Ids of the jobs `serverId` is processing, sorted so a reclaim reports them in a stable order. */
  processingJobsOf(serverId: string): string[] {
    return [...(this.serverJobs.get(serverId) ?? [])].sort();
  }

  /** Jobs per state, overall and per queue. */
  counts(): ReturnType<StateCounters['snapshot']> {
    return this.counters.snapshot();
  }

  /** A version no record has carried yet. */
  nextVersion(): number {
    this.lastVersion += 1;
    return this.lastVersion;
  }

  /** Adds a record whose id is not in the table. */
  insert(record: JobRecord): void {
    this.records.set(record.id, record);
    this.link(record);
    this.place(record);
    if (record.state === 'enqueued') this.onEnqueued(record.queue);
  }

  /** Replaces `record` with `record + patch` and moves it in every index it changed place in; returns the new one. */
  update(record: JobRecord, patch: RecordPatch): JobRecord {
    // One copy per write (this is the claim and finish hot path): the version is fixed up on the fresh object.
    const next: { -readonly [K in keyof JobRecord]: JobRecord[K] } = { ...record, ...patch };
    const moved = movedInIndexes(record, next);
    if (moved) next.version = this.nextVersion();
    this.unlink(record);
    this.records.set(next.id, next);
    this.link(next);
    if (moved) this.place(next);
    if (next.state === 'enqueued' && record.state !== 'enqueued') this.onEnqueued(next.queue);
    return next;
  }

  /** Deletes the job; its heap entries go stale. False if it was not there. */
  remove(id: string): boolean {
    const record = this.records.get(id);
    if (record === undefined) return false;
    this.unlink(record);
    this.records.delete(id);
    return true;
  }

  /**
   * `enqueued` jobs of `queues` (all queues when empty) in claim order, merged from the queues' heaps. The caller
   * must move every job it is given out of `enqueued` before asking for the next.
   */
  *readyInOrder(queues: readonly string[]): Generator<JobRecord, void, undefined> {
    const names = queues.length === 0 ? [...this.ready.keys()] : [...new Set(queues)];
    const heaps: LazyHeap<IndexEntry>[] = [];
    for (const name of names) {
      const heap = this.ready.get(name);
      if (heap === undefined) continue;
      if (heap.peek() === undefined)
        this.ready.delete(name); // drained: drop it so `queues: []` stays cheap
      else heaps.push(heap);
    }
    for (const entry of mergeHeads(heaps, claimBefore)) yield this.records.get(entry.id)!;
  }

  /** The earliest `scheduled` / `awaiting_retry` job with runAt <= now. Moving it reveals the next. */
  firstDue(now: number): JobRecord | undefined {
    return this.firstBy(this.due, now);
  }

  /** The `processing` job whose lease lapsed first, if lockedUntil <= now. */
  firstExpiredLease(now: number): JobRecord | undefined {
    return this.firstBy(this.leases, now);
  }

  /** The finished job that expired first, if expiresAt <= now. */
  firstExpired(now: number): JobRecord | undefined {
    return this.firstBy(this.expiries, now);
  }

  private firstBy(heap: LazyHeap<IndexEntry>, now: number): JobRecord | undefined {
    const entry = heap.peek();
    return entry !== undefined && entry.at <= now ? this.records.get(entry.id) : undefined;
  }

  private heap(before: Before<IndexEntry>, liveCount: () => number): LazyHeap<IndexEntry> {
    return new LazyHeap({
      before,
      liveCount,
      isLive: (entry) => this.records.get(entry.id)?.version === entry.version,
    });
  }

  /** Pushes the record's entry into the one heap its state belongs to (if any). */
  private place(record: JobRecord): void {
    const { id, version } = record;
    switch (record.state) {
      case 'enqueued':
        this.readyHeap(record.queue).push({ id, version, priority: record.priority, at: record.runAt });
        return;
      case 'scheduled':
      case 'awaiting_retry':
        this.due.push({ id, version, priority: 0, at: record.runAt });
        return;
      case 'processing':
        if (record.lockedUntil !== null) this.leases.push({ id, version, priority: 0, at: record.lockedUntil });
        return;
      default:
        if (record.expiresAt !== null) this.expiries.push({ id, version, priority: 0, at: record.expiresAt });
    }
  }

  private readyHeap(queue: string): LazyHeap<IndexEntry> {
    let heap = this.ready.get(queue);
    if (heap === undefined) {
      heap = this.heap(claimBefore, () => this.counters.get('enqueued', queue));
      this.ready.set(queue, heap);
    }
    return heap;
  }

  /** Adds the record to the counters, the uniqueKey map and its server's job set. */
  private link(record: JobRecord): void {
    this.counters.add(record.queue, record.state, 1);
    if (record.uniqueKey !== null && !isFinishedState(record.state) && !this.uniqueHolders.has(record.uniqueKey)) {
      this.uniqueHolders.set(record.uniqueKey, record.id);
    }
    if (record.state === 'processing' && record.lockedBy !== null) {
      let jobs = this.serverJobs.get(record.lockedBy);
      if (jobs === undefined) {
        jobs = new Set();
        this.serverJobs.set(record.lockedBy, jobs);
      }
      jobs.add(record.id);
    }
  }

  /** Undoes `link`. */
  private unlink(record: JobRecord): void {
    this.counters.add(record.queue, record.state, -1);
    if (record.uniqueKey !== null && this.uniqueHolders.get(record.uniqueKey) === record.id) {
      this.uniqueHolders.delete(record.uniqueKey);
    }
    if (record.state === 'processing' && record.lockedBy !== null) {
      const jobs = this.serverJobs.get(record.lockedBy);
      jobs?.delete(record.id);
      if (jobs?.size === 0) this.serverJobs.delete(record.lockedBy);
    }
  }
}

/** Whether the change moves the job in some heap (so it needs a new entry and version). */
function movedInIndexes(before: JobRecord, after: JobRecord): boolean {
  return (
    before.state !== after.state ||
    before.queue !== after.queue ||
    before.priority !== after.priority ||
    before.runAt !== after.runAt ||
    before.lockedUntil !== after.lockedUntil ||
    before.expiresAt !== after.expiresAt
  );
}
