// indexes.ts: the ordered and counted structures MemoryStorage reads instead of scanning every job. Heaps delete
// lazily (a stale entry is skipped when it surfaces); nothing here knows what a job is beyond the callbacks it gets.
import type { JobState } from '@jobsmith/core';
import { zeroCounts } from '@jobsmith/core/storage';

/** `true` when `a` must come out of the heap before `b`. */
export type Before<T> = (a: T, b: T) => boolean;

/** A binary min-heap under `before`: push and pop in O(log n), peek in O(1). */
export class BinaryHeap<T> {
  private items: T[] = [];

  constructor(private readonly before: Before<T>) {}

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    this.items.push(item);
    this.siftUp(this.items.length - 1);
  }

  pop(): T | undefined {
    const top = this.items[0];
    const last = this.items.pop();
    if (this.items.length > 0 && last !== undefined) {
      this.items[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Keeps only the items `keep` accepts and rebuilds the heap in O(n). */
  retain(keep: (item: T) => boolean): void {
    this.items = this.items.filter(keep);
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftUp(start: number): void {
    const items = this.items;
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i]!, items[parent]!)) return;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  private siftDown(start: number): void {
    const items = this.items;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < items.length && this.before(items[left]!, items[best]!)) best = left;
      if (right < items.length && this.before(items[right]!, items[best]!)) best = right;
      if (best === i) return;
      [items[i], items[best]] = [items[best]!, items[i]!];
      i = best;
    }
  }
}

/** Below this many entries a lazy heap never compacts: rebuilding a small heap saves nothing. */
const COMPACT_MIN_SIZE = 64;

export interface LazyHeapOptions<T> {
  before: Before<T>;
  /** Whether an entry still describes its job; stale entries are dropped when they surface. */
  isLive: (entry: T) => boolean;
  /** How many live entries there are at most; the heap compacts once it holds over twice that. */
  liveCount: () => number;
}

/**
 * A heap with lazy deletion: a moved job is never searched for, its old entry just fails `isLive` later. Compaction
 * (amortised O(1) per push) keeps stale entries from outgrowing the live ones when they never reach the top.
 */
export class LazyHeap<T> {
  private readonly heap: BinaryHeap<T>;

  constructor(private readonly options: LazyHeapOptions<T>) {
    this.heap = new BinaryHeap(options.before);
  }

  /** Entries held, stale ones included. */
  get size(): number {
    return this.heap.size;
  }

  push(entry: T): void {
    this.heap.push(entry);
    const { size } = this.heap;
    if (size > COMPACT_MIN_SIZE && size > 2 * this.options.liveCount()) this.heap.retain(this.options.isLive);
  }

  /** The first live entry, discarding the stale ones above it. */
  peek(): T | undefined {
    for (let top = this.heap.peek(); top !== undefined; top = this.heap.peek()) {
      if (this.options.isLive(top)) return top;
      this.heap.pop();
    }
    return undefined;
  }

  /** Removes and returns the first live entry. */
  pop(): T | undefined {
    const top = this.peek();
    if (top !== undefined) this.heap.pop();
    return top;
  }
}

/**
 * Picks from several lazy heaps in their common order by keeping a small heap of their heads: k heaps cost O(k) to
 * set up and O(log k + log n) per pick.
 */
export function* mergeHeads<T>(heaps: readonly LazyHeap<T>[], before: Before<T>): Generator<T, void, undefined> {
  const heads = new BinaryHeap<{ entry: T; from: LazyHeap<T> }>((a, b) => before(a.entry, b.entry));
  for (const heap of heaps) {
    const entry = heap.peek();
    if (entry !== undefined) heads.push({ entry, from: heap });
  }
  for (let head = heads.pop(); head !== undefined; head = heads.pop()) {
    // Re-check: the caller may have moved jobs since this head was read.
    const current = head.from.peek();
    if (current === undefined) continue;
    if (current !== head.entry) {
      heads.push({ entry: current, from: head.from });
      continue;
    }
    head.from.pop();
    yield current;
    const next = head.from.peek();
    if (next !== undefined) heads.push({ entry: next, from: head.from });
  }
}

/** A count per job state, every state present. */
export type StateCounts = Record<JobState, number>;

/** Jobs per state overall and per queue, kept up to date on every move so `counts()` never scans. */
export class StateCounters {
  private readonly total = zeroCounts();
  private readonly queues = new Map<string, { counts: StateCounts; jobs: number }>();

  /** Records one job entering (`+1`) or leaving (`-1`) `state` on `queue`. */
  add(queue: string, state: JobState, delta: 1 | -1): void {
    this.total[state] += delta;
    let entry = this.queues.get(queue);
    if (entry === undefined) {
      entry = { counts: zeroCounts(), jobs: 0 };
      this.queues.set(queue, entry);
    }
    entry.counts[state] += delta;
    entry.jobs += delta;
    if (entry.jobs === 0) this.queues.delete(queue);
  }

  /** How many jobs are in `state`, on `queue` when given. */
  get(state: JobState, queue?: string): number {
    if (queue === undefined) return this.total[state];
    return this.queues.get(queue)?.counts[state] ?? 0;
  }

  /** Fresh copies: overall, and for every queue holding at least one job. */
  snapshot(): { byState: StateCounts; byQueue: Record<string, StateCounts> } {
    // fromEntries defines own properties, so even a queue named '__proto__' stays a plain key.
    const byQueue = Object.fromEntries([...this.queues].map(([queue, entry]) => [queue, { ...entry.counts }]));
    return { byState: { ...this.total }, byQueue };
  }
}
