// indexes.test.ts: the heap order, lazy deletion and compaction, the merge of several heaps, and the counters.
import { describe, expect, it } from 'vitest';
import { BinaryHeap, LazyHeap, mergeHeads, StateCounters } from './indexes.js';

const ascending = (a: number, b: number) => a < b;

function drain<T>(heap: { pop(): T | undefined }): T[] {
  const out: T[] = [];
  for (let item = heap.pop(); item !== undefined; item = heap.pop()) out.push(item);
  return out;
}

/** A deterministic shuffle of 0..n-1 (LCG), so a failure reproduces. */
function shuffled(n: number): number[] {
  const items = Array.from({ length: n }, (_, i) => i);
  let seed = 42;
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

interface Entry {
  id: string;
  version: number;
}

/** A lazy heap over entries ordered by id, live while `versions` holds their version. */
function lazyHeap(versions: Map<string, number>): LazyHeap<Entry> {
  return new LazyHeap<Entry>({
    before: (a, b) => a.id < b.id,
    isLive: (entry) => versions.get(entry.id) === entry.version,
    liveCount: () => versions.size,
  });
}

describe('BinaryHeap', () => {
  it('pops items in order whatever order they were pushed in', () => {
    const heap = new BinaryHeap(ascending);
    for (const n of shuffled(500)) heap.push(n);
    expect(heap.size).toBe(500);
    expect(drain(heap)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('peeks without removing and returns undefined when empty', () => {
    const heap = new BinaryHeap(ascending);
    expect(heap.peek()).toBeUndefined();
    heap.push(3);
    heap.push(1);
    expect(heap.peek()).toBe(1);
    expect(heap.size).toBe(2);
    expect(heap.pop()).toBe(1);
    expect(heap.pop()).toBe(3);
    expect(heap.pop()).toBeUndefined();
  });

  it('keeps its order after retain drops items', () => {
    const heap = new BinaryHeap(ascending);
    for (const n of shuffled(200)) heap.push(n);
    heap.retain((n) => n % 3 === 0);
    expect(drain(heap)).toEqual(Array.from({ length: 67 }, (_, i) => i * 3));
  });

  it('orders by a compound key, as the claim order does', () => {
    type Item = { priority: number; at: number; id: string };
    const heap = new BinaryHeap<Item>((a, b) =>
      a.priority !== b.priority ? a.priority > b.priority : a.at !== b.at ? a.at < b.at : a.id < b.id,
    );
    const items: Item[] = [
      { priority: 0, at: 1, id: 'b' },
      { priority: 5, at: 9, id: 'z' },
      { priority: 0, at: 1, id: 'a' },
      { priority: 0, at: 0, id: 'c' },
      { priority: 5, at: 2, id: 'y' },
    ];
    for (const item of items) heap.push(item);
    expect(drain(heap).map((item) => item.id)).toEqual(['y', 'z', 'c', 'a', 'b']);
  });
});

describe('LazyHeap', () => {
  it('skips entries whose job moved or vanished', () => {
    const versions = new Map([
      ['a', 1],
      ['b', 1],
      ['c', 1],
    ]);
    const heap = lazyHeap(versions);
    for (const id of ['a', 'b', 'c']) heap.push({ id, version: 1 });
    versions.set('a', 2); // moved: the old entry is stale
    versions.delete('b'); // gone
    expect(heap.peek()).toEqual({ id: 'c', version: 1 });
    expect(heap.size).toBe(1);
    expect(heap.pop()).toEqual({ id: 'c', version: 1 });
    expect(heap.pop()).toBeUndefined();
  });

  it('returns the newest entry of a job pushed again', () => {
    const versions = new Map([['a', 1]]);
    const heap = lazyHeap(versions);
    heap.push({ id: 'a', version: 1 });
    versions.set('a', 2);
    heap.push({ id: 'a', version: 2 });
    expect(drain(heap)).toEqual([{ id: 'a', version: 2 }]);
  });

  it('compacts stale entries that never reach the top', () => {
    const versions = new Map([['a', 1]]);
    const heap = lazyHeap(versions);
    heap.push({ id: 'a', version: 1 }); // live and always first, so nothing below it is ever popped
    for (let version = 1; version <= 1000; version++) {
      versions.set('z', version);
      heap.push({ id: 'z', version });
    }
    expect(heap.size).toBeLessThanOrEqual(65);
    expect(drain(heap).map((entry) => entry.id)).toEqual(['a', 'z']);
  });
});

describe('mergeHeads', () => {
  it('yields the entries of several heaps in their common order', () => {
    const versions = new Map<string, number>();
    const heaps = [lazyHeap(versions), lazyHeap(versions), lazyHeap(versions)];
    for (const [i, n] of shuffled(30).entries()) {
      const id = `k${String(n).padStart(2, '0')}`;
      versions.set(id, 1);
      heaps[i % 3]!.push({ id, version: 1 });
    }
    const ids = [...mergeHeads(heaps, (a, b) => a.id < b.id)].map((entry) => entry.id);
    expect(ids).toEqual([...versions.keys()].sort());
  });

  it('skips stale heads and stops early without losing entries it did not yield', () => {
    const versions = new Map([
      ['a', 1],
      ['b', 1],
      ['c', 1],
      ['d', 1],
    ]);
    const left = lazyHeap(versions);
    const right = lazyHeap(versions);
    left.push({ id: 'a', version: 1 });
    left.push({ id: 'c', version: 1 });
    right.push({ id: 'b', version: 1 });
    right.push({ id: 'd', version: 1 });
    versions.delete('a');
    const taken: string[] = [];
    for (const entry of mergeHeads([left, right], (x, y) => x.id < y.id)) {
      taken.push(entry.id);
      if (taken.length === 2) break;
    }
    expect(taken).toEqual(['b', 'c']);
    expect(right.peek()?.id).toBe('d');
  });

  it('yields nothing from empty heaps', () => {
    expect([...mergeHeads([lazyHeap(new Map())], () => true)]).toEqual([]);
    expect([...mergeHeads<Entry>([], () => true)]).toEqual([]);
  });
});

describe('StateCounters', () => {
  it('counts per state and per queue, and forgets a queue with no jobs left', () => {
    const counters = new StateCounters();
    counters.add('mail', 'enqueued', 1);
    counters.add('mail', 'enqueued', 1);
    counters.add('video', 'processing', 1);
    expect(counters.get('enqueued')).toBe(2);
    expect(counters.get('enqueued', 'mail')).toBe(2);
    expect(counters.get('processing', 'mail')).toBe(0);
    counters.add('video', 'processing', -1);
    const { byState, byQueue } = counters.snapshot();
    expect(byState).toMatchObject({ enqueued: 2, processing: 0, deleted: 0 });
    expect(Object.keys(byState)).toHaveLength(7);
    expect(Object.keys(byQueue)).toEqual(['mail']);
    expect(byQueue['mail']).toMatchObject({ enqueued: 2, succeeded: 0 });
  });

  it('hands out copies the caller may change freely', () => {
    const counters = new StateCounters();
    counters.add('q', 'failed', 1);
    const first = counters.snapshot();
    first.byState.failed = 99;
    first.byQueue['q']!.failed = 99;
    expect(counters.snapshot().byState.failed).toBe(1);
    expect(counters.snapshot().byQueue['q']!.failed).toBe(1);
  });
});
