import { MemoryStorage } from '@jobsmith/storage-memory';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { ConfigError } from '../errors.js';
import type { Job } from '../job.js';
import type { FetchAndLockParams, Storage } from '../storage.js';
import { resolveServerConfig } from './config.js';
import { LocalQueue } from './local-queue.js';
import { advanceUntil, deferred, makeServer, settle, until } from './test-support.js';

/** A claimed-looking job, enough for the queue (it reads id and leaseId only). */
function claimed(id: string): Job {
  return { id, leaseId: `lease-${id}` } as Job;
}

/** Records every fetchAndLock limit. */
function spyFetches(storage: Storage): number[] {
  const limits: number[] = [];
  const original = storage.fetchAndLock.bind(storage);
  storage.fetchAndLock = (params: FetchAndLockParams) => {
    limits.push(params.limit);
    return original(params);
  };
  return limits;
}

/**
 * Counts fetchAndLock calls and the most in flight at once. `before(call)` (1-based) runs ahead of each claim, after a
 * microtask, so claims sent together overlap even on the synchronous MemoryStorage; it may throw to fail that claim.
 */
function watchClaims(storage: Storage, before: (call: number) => void = () => {}) {
  const watch = { calls: 0, inFlight: 0, mostInFlight: 0 };
  const original = storage.fetchAndLock.bind(storage);
  storage.fetchAndLock = async (params: FetchAndLockParams) => {
    const call = ++watch.calls;
    watch.inFlight++;
    watch.mostInFlight = Math.max(watch.mostInFlight, watch.inFlight);
    try {
      await Promise.resolve();
      before(call);
      return await original(params);
    } finally {
      watch.inFlight--;
    }
  };
  return watch;
}

describe('LocalQueue', () => {
  it('keeps claim order across pushes, shifts and removals', () => {
    const queue = new LocalQueue();
    queue.push(['a', 'b', 'c'].map(claimed));
    expect(queue.shift()?.id).toBe('a');
    queue.push(['d'].map(claimed));
    expect(queue.remove('c')).toMatchObject({ id: 'c' });
    expect(queue.remove('c')).toBeUndefined();
    expect(queue.leases()).toEqual([
      { id: 'b', leaseId: 'lease-b' },
      { id: 'd', leaseId: 'lease-d' },
    ]);
    expect(queue.drain().map((job) => job.id)).toEqual(['b', 'd']);
    expect(queue.size).toBe(0);
    expect(queue.shift()).toBeUndefined();
  });

  it('stays in order past its compaction point', () => {
    const queue = new LocalQueue();
    const ids = Array.from({ length: 300 }, (_, i) => `j${i}`);
    queue.push(ids.map(claimed));
    const out: string[] = [];
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) out.push(job.id);
    expect(out).toEqual(ids);
  });
});

describe('localQueueSize', () => {
  it('defaults to 0 and rejects a negative or fractional size naming the field', () => {
    expect(resolveServerConfig({}).localQueueSize).toBe(0);
    expect(() => resolveServerConfig({ localQueueSize: -1 })).toThrow(ConfigError);
    expect(() => resolveServerConfig({ localQueueSize: 1.5 })).toThrow(/localQueueSize/);
  });

  it('claims for free slots plus the local queue, and starts buffered jobs in claim order', async () => {
    const { server, registry, storage } = makeServer({ workerCount: 2, fetchBatchSize: 10, localQueueSize: 3 });
    const limits = spyFetches(storage);
    const gates = new Map<number, () => void>();
    const started: number[] = [];
    registry.register('step', (payload: { n: number }) => {
      started.push(payload.n);
      const gate = deferred();
      gates.set(payload.n, gate.resolve);
      return gate.promise;
    });
    await server.client.enqueueMany(Array.from({ length: 8 }, (_, n) => ({ method: 'step', payload: { n } })));
    await server.start();
    await until(() => started.length === 2);
    expect(limits[0]).toBe(5);
    expect((await storage.counts()).byState.processing).toBe(5);
    for (let n = 0; n < 5; n++) {
      gates.get(n)?.();
      await until(() => started.length >= Math.min(n + 3, 8));
    }
    for (let n = 5; n < 8; n++) {
      await until(() => gates.has(n));
      gates.get(n)?.();
    }
    await until(async () => (await storage.counts()).byState.succeeded === 8);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    await server.stop();
  });

  it('releases buffered jobs on stop with the attempt refunded, never running them', async () => {
    const { server, registry, storage } = makeServer({ workerCount: 1, fetchBatchSize: 10, localQueueSize: 4 });
    const started: number[] = [];
    registry.register('polite', async (payload: { n: number }, ctx) => {
      started.push(payload.n);
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      return 'done';
    });
    const ids = await server.client.enqueueMany(
      Array.from({ length: 5 }, (_, n) => ({ method: 'polite', payload: { n } })),
    );
    await server.start();
    await until(() => started.length === 1);
    expect((await storage.counts()).byState.processing).toBe(5);
    await server.stop();
    expect(started).toEqual([0]);
    expect(await storage.get(ids[0]!)).toMatchObject({ state: 'succeeded', attempt: 1 });
    for (const id of ids.slice(1)) {
      expect(await storage.get(id)).toMatchObject({ state: 'enqueued', attempt: 0, leaseId: null });
    }
  });

  it('renews the leases of buffered jobs with the running ones', async () => {
    const leaseMs = 3000;
    const { server, registry, storage, clock } = makeServer({ workerCount: 1, localQueueSize: 2, leaseMs });
    const gate = deferred();
    registry.register('wait', () => gate.promise);
    const ids = await server.client.enqueueMany([1, 2, 3].map(() => ({ method: 'wait', payload: {} })));
    await server.start();
    await until(async () => (await storage.counts()).byState.processing === 3);
    for (let i = 0; i < 4; i++) {
      clock.advance(leaseMs / 3);
      await settle();
    }
    const now = clock.now().getTime();
    for (const id of ids) {
      const job = await storage.get(id);
      expect(job?.state).toBe('processing');
      expect(job?.lockedUntil?.getTime()).toBeGreaterThan(now);
    }
    gate.resolve();
    await until(async () => (await storage.counts()).byState.succeeded === 3);
    await server.stop();
  });

  it('drops a buffered job that is cancelled: it never runs', async () => {
    const { server, registry, storage } = makeServer({ workerCount: 1, localQueueSize: 2 });
    const gate = deferred();
    const started: number[] = [];
    registry.register('wait', async (payload: { n: number }) => {
      started.push(payload.n);
      await gate.promise;
    });
    const ids = await server.client.enqueueMany([0, 1, 2].map((n) => ({ method: 'wait', payload: { n } })));
    await server.start();
    await until(async () => (await storage.counts()).byState.processing === 3);
    await server.client.cancel(ids[1]!);
    gate.resolve();
    await until(async () => (await storage.counts()).byState.succeeded === 2);
    expect(started).toEqual([0, 2]);
    expect((await storage.get(ids[1]!))?.state).toBe('deleted');
    await server.stop();
  });

  it('sends two claims side by side when two batches fit at start, and starts their jobs in claim order', async () => {
    const { server, registry, storage } = makeServer({ workerCount: 1, fetchBatchSize: 3, localQueueSize: 6 });
    const original = storage.fetchAndLock.bind(storage);
    // The first claim reaches storage only after the second returned, so the second takes the better jobs.
    const secondDone = deferred();
    const limits: number[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    storage.fetchAndLock = async (params: FetchAndLockParams) => {
      const call = limits.push(params.limit);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      if (call === 1) await secondDone.promise;
      const jobs = await original(params);
      if (call === 2) secondDone.resolve();
      inFlight--;
      return jobs;
    };
    const started: number[] = [];
    registry.register('step', (payload: { n: number }) => {
      started.push(payload.n);
    });
    // Priority 5 - n: job 0 is the best; ids alone would give the same order.
    const items = Array.from({ length: 6 }, (_, n) => ({
      method: 'step',
      payload: { n },
      options: { priority: 5 - n },
    }));
    await server.client.enqueueMany(items);
    await server.start();
    await until(async () => (await storage.counts()).byState.succeeded === 6);
    await server.stop();
    expect(limits.slice(0, 2)).toEqual([3, 3]);
    expect(mostInFlight).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('sends one claim per wake-up while claims come back short, and pairs again once one comes back full', async () => {
    const { server, registry, storage } = makeServer({ workerCount: 1, fetchBatchSize: 3, localQueueSize: 9 });
    const claims = watchClaims(storage);
    const ran: number[] = [];
    registry.register('step', (payload: { n: number }) => {
      ran.push(payload.n);
    });
    await server.start();
    await until(async () => claims.calls === 2 && claims.inFlight === 0); // the start's pair, both empty
    claims.mostInFlight = 0;
    for (let n = 0; n < 3; n++) {
      const before = claims.calls;
      // The memory backend wakes the dispatcher on each enqueue: one claim (not a pair) finds the job.
      await server.client.enqueue('step', { n });
      await until(async () => ran.length === n + 1);
      expect(claims.calls - before).toBe(1);
    }
    expect(claims.mostInFlight).toBe(1);
    await server.client.enqueueMany(Array.from({ length: 12 }, (_, k) => ({ method: 'step', payload: { n: 3 + k } })));
    await until(async () => ran.length === 15);
    await server.stop();
    expect(claims.mostInFlight).toBe(2);
    expect(ran).toEqual(Array.from({ length: 15 }, (_, n) => n));
  });

  it('runs the jobs of a claim that succeeded when the claim beside it failed, and reports the failure', async () => {
    const { server, registry, storage, clock } = makeServer({ workerCount: 1, fetchBatchSize: 2, localQueueSize: 6 });
    // The first pass sends claims 1 and 2 side by side; claim 2 fails.
    const claims = watchClaims(storage, (call) => {
      if (call === 2) throw new Error('claim lost');
    });
    const errors: string[] = [];
    server.on('error', (event) => {
      errors.push(`${event.source}: ${String(event.error)}`);
    });
    const runs = new Map<number, number>();
    registry.register('count', (payload: { n: number }) => {
      runs.set(payload.n, (runs.get(payload.n) ?? 0) + 1);
    });
    await server.client.enqueueMany(Array.from({ length: 8 }, (_, n) => ({ method: 'count', payload: { n } })));
    await server.start();
    // The failed pass backs off (clock time) before the dispatcher claims what the failed claim left enqueued.
    await advanceUntil(clock, () => runs.size === 8, 500);
    await server.stop();
    expect(claims.mostInFlight).toBe(2);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(errors.some((line) => line.startsWith('dispatcher:') && line.includes('claim lost'))).toBe(true);
    expect((await storage.counts()).byState).toMatchObject({ succeeded: 8, processing: 0, enqueued: 0 });
    // Attempt 1 each: no job was stranded by the failed pass and requeued only when its lease lapsed.
    const succeeded = await storage.list({ state: 'succeeded', limit: 10, offset: 0 });
    expect(succeeded.map((job) => job.attempt)).toEqual(Array(8).fill(1));
  });

  it('runs every job exactly once with two servers sharing one MemoryStorage', async () => {
    const clock = new ManualClock();
    const storage = new MemoryStorage({ clock });
    const config = { workerCount: 3, fetchBatchSize: 7, localQueueSize: 11 };
    const a = makeServer(config, { storage, clock });
    const b = makeServer(config, { storage, clock });
    const runs = new Map<number, number>();
    for (const { registry } of [a, b]) {
      registry.register('count', async (payload: { n: number }) => {
        runs.set(payload.n, (runs.get(payload.n) ?? 0) + 1);
        await Promise.resolve();
      });
    }
    const total = 500;
    await a.server.start();
    await b.server.start();
    for (let i = 0; i < total; i += 50) {
      const items = Array.from({ length: 50 }, (_, k) => ({ method: 'count', payload: { n: i + k } }));
      await a.server.client.enqueueMany(items);
    }
    await until(async () => (await storage.counts()).byState.succeeded === total);
    await a.server.stop();
    await b.server.stop();
    expect(runs.size).toBe(total);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
  });
});
