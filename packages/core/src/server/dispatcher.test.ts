import { describe, expect, it } from 'vitest';
import { StorageError } from '../errors.js';
import type { Job } from '../job.js';
import { composeMiddleware } from '../middleware.js';
import { WorkerRegistry } from '../registry.js';
import { DEFAULT_RETRY_POLICY } from '../retry.js';
import type { FetchAndLockParams, Storage } from '../storage.js';
import { makeNewJob } from '../testing/new-job.js';
import { Completer } from './completer.js';
import { Dispatcher, type DispatcherConfig, mergeClaims } from './dispatcher.js';
import { Executor } from './executor.js';
import {
  advanceUntil,
  deferred,
  describeLoopLifecycle,
  makeLoopFixture,
  makeServer,
  nextEvent,
  settle,
  until,
} from './test-support.js';

/** Spies on fetchAndLock's limits. */
function spyFetches(storage: Storage): number[] {
  const limits: number[] = [];
  const original = storage.fetchAndLock.bind(storage);
  storage.fetchAndLock = (params: FetchAndLockParams) => {
    limits.push(params.limit);
    return original(params);
  };
  return limits;
}

/** A dispatcher over its own executor (no server), for pass-level tests. */
function setup(config: Partial<DispatcherConfig> = {}) {
  const { clock, memory, state, storage, context } = makeLoopFixture();
  const gate = deferred();
  const registry = new WorkerRegistry().register('wait', () => gate.promise);
  const chain = composeMiddleware([]);
  const executorConfig = {
    jobTimeoutMs: 60_000,
    succeededTtlMs: 1000,
    failedTtlMs: 1000,
    retryPolicy: DEFAULT_RETRY_POLICY,
    maxPendingOutcomes: 5,
    serverId: 'test-server',
  };
  const executor = new Executor(context, executorConfig, {
    storage,
    registry,
    completer: new Completer(storage, clock, context.events),
    chain: () => chain,
  });
  // The dispatcher listens for the executor's freed slots itself.
  const dispatcher = new Dispatcher(context, storage, executor, {
    serverId: 'test#1',
    queues: ['default'],
    workerCount: 5,
    fetchBatchSize: 3,
    pollingIntervalMs: 1000,
    leaseMs: 30_000,
    ...config,
  });
  const enqueue = (count: number, method = 'wait') =>
    memory.enqueue({ jobs: Array.from({ length: count }, () => makeNewJob({ method }, clock.now())) });
  return { clock, memory, state, context, executor, dispatcher, enqueue, release: gate.resolve };
}

describe('Dispatcher', () => {
  it('uses the defaults: claims only for the free slots (workerCount 10, under fetchBatchSize 100) and runs them', async () => {
    const { storage, server, registry } = makeServer();
    const limits = spyFetches(storage);
    const gate = deferred();
    let running = 0;
    registry.register('wait', async () => {
      running++;
      await gate.promise;
    });
    await server.client.enqueueMany(Array.from({ length: 25 }, () => ({ method: 'wait', payload: {} })));
    await server.start();
    await until(() => running === 10);
    await settle();
    expect(limits).toEqual([10]);
    expect(running).toBe(10);
    gate.resolve();
    await until(async () => (await storage.counts()).byState.succeeded === 25);
    expect(Math.max(...limits)).toBeLessThanOrEqual(10);
    await server.stop();
  });

  it('claims min(fetchBatchSize, free slots) in one pass and starts them', async () => {
    const { executor, dispatcher, enqueue, memory } = setup({ workerCount: 5, fetchBatchSize: 3 });
    await enqueue(10);
    expect(await dispatcher.runOnce()).toBe(3);
    expect(executor.runningCount).toBe(3);
    expect(await dispatcher.runOnce()).toBe(2);
    expect(await dispatcher.runOnce()).toBe(0);
    expect((await memory.counts()).byState).toMatchObject({ processing: 5, enqueued: 5 });
  });

  it('drains more than a batch without sleeping between batches', async () => {
    const { clock, storage, server, registry } = makeServer({ workerCount: 8, fetchBatchSize: 4 });
    registry.register('noop', async () => null);
    await server.client.enqueueMany(Array.from({ length: 100 }, () => ({ method: 'noop', payload: {} })));
    const startedAt = clock.now().getTime();
    await server.start();
    // The clock never moves: any sleep on the poll interval would stall this test.
    await until(async () => (await storage.counts()).byState.succeeded === 100);
    expect(clock.now().getTime()).toBe(startedAt);
    await server.stop();
  });

  for (const workerCount of [1, 32]) {
    it(`processes 3,000 jobs exactly once with workerCount ${workerCount}`, async () => {
      const { storage, server, registry } = makeServer({ workerCount, fetchBatchSize: 10 });
      const runs = new Map<number, number>();
      let running = 0;
      let maxRunning = 0;
      registry.register('count', async (payload: { n: number }) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs.set(payload.n, (runs.get(payload.n) ?? 0) + 1);
        await Promise.resolve();
        running--;
        return payload.n;
      });
      await server.client.enqueueMany(Array.from({ length: 3000 }, (_, n) => ({ method: 'count', payload: { n } })));
      await server.start();
      await until(async () => (await storage.counts()).byState.succeeded === 3000, 20_000);
      await server.stop();
      expect(runs.size).toBe(3000);
      expect([...runs.values()].every((count) => count === 1)).toBe(true);
      expect(maxRunning).toBeLessThanOrEqual(workerCount);
      if (workerCount > 1) expect(maxRunning).toBeGreaterThan(1);
    });
  }

  it('runs jobs in priority order, FIFO within a priority, with workerCount 1', async () => {
    const { storage, server, registry } = makeServer({ workerCount: 1 });
    const order: string[] = [];
    registry.register('record', async (payload: { name: string }) => {
      order.push(payload.name);
    });
    const items = [
      ['low-1', 0],
      ['high-1', 10],
      ['mid-1', 5],
      ['high-2', 10],
      ['low-2', 0],
      ['mid-2', 5],
    ] as const;
    for (const [name, priority] of items) await server.client.enqueue('record', { name }, { priority });
    await server.start();
    await until(async () => (await storage.counts()).byState.succeeded === items.length);
    await server.stop();
    expect(order).toEqual(['high-1', 'high-2', 'mid-1', 'mid-2', 'low-1', 'low-2']);
  });

  it('wakes on a push when idle instead of waiting for its poll', async () => {
    const { server, registry } = makeServer();
    registry.register('noop', async () => 'ok');
    await server.start();
    await settle();
    const id = await server.client.enqueue('noop', {});
    await nextEvent(server, 'jobSucceeded', (e) => e.jobId === id);
    await server.stop();
  });

  it('claims only from its queues', async () => {
    const { storage, server, registry } = makeServer({ queues: ['mail'] });
    registry.register('noop', async () => 'ok');
    const other = await server.client.enqueue('noop', {}, { queue: 'reports' });
    const mine = await server.client.enqueue('noop', {}, { queue: 'mail' });
    await server.start();
    await nextEvent(server, 'jobSucceeded', (e) => e.jobId === mine);
    await settle();
    expect((await storage.get(other))?.state).toBe('enqueued');
    await server.stop();
  });

  it('hands back jobs it claimed after stop began', async () => {
    const { memory, dispatcher, enqueue, executor, state } = setup();
    await enqueue(2);
    dispatcher.start(); // its first pass is now awaiting fetchAndLock
    await dispatcher.stop();
    await executor.whenIdle();
    expect(state.calls).toEqual(['fetchAndLock', 'release']);
    const jobs = await memory.list({ limit: 10, offset: 0 });
    expect(jobs.map((j) => [j.state, j.attempt])).toEqual([
      ['enqueued', 0],
      ['enqueued', 0],
    ]);
  });

  it('hands back a claim whose reply was lost before claiming again: a maxAttempts 1 job still runs, at attempt 1', async () => {
    const t = makeServer({ leaseMs: 30_000, heartbeatIntervalMs: 1000, deadServerTimeoutMs: 5000 });
    const fetchAndLock = t.storage.fetchAndLock.bind(t.storage);
    let lost = 0;
    t.storage.fetchAndLock = async (params) => {
      const claimed = await fetchAndLock(params);
      if (claimed.length > 0 && lost++ === 0) throw new StorageError('fetchAndLock', { detail: 'reply lost' });
      return claimed;
    };
    const runs: number[] = [];
    t.registry.register('once', async (_payload, ctx) => {
      runs.push(ctx.attempt);
    });
    const moves: string[] = [];
    t.server.on('stateChange', (e) => {
      moves.push(`${e.from}->${e.to}`);
    });
    await t.server.start();
    const id = await t.server.client.enqueue('once', {}, { maxAttempts: 1 });
    const succeeded = nextEvent(t.server, 'jobSucceeded', (e) => e.jobId === id);
    await until(() => lost === 1);
    expect(await t.storage.get(id)).toMatchObject({ state: 'processing', attempt: 1 });
    // The failed pass backs off about a second; the next one hands the job back, then claims it again.
    t.clock.advance(2000);
    expect((await succeeded).job).toMatchObject({ state: 'succeeded', attempt: 1 });
    expect(runs).toEqual([1]);
    expect(moves).toEqual(['processing->enqueued', 'enqueued->processing', 'processing->succeeded']);
    await t.server.stop();
  });

  it('hands back a failed claim that reaches the store late, after the first check, before its lease lapses', async () => {
    const t = makeServer({ leaseMs: 30_000, pollingIntervalMs: 1000 });
    const fetchAndLock = t.storage.fetchAndLock.bind(t.storage);
    let calls = 0;
    let landed = false;
    t.storage.fetchAndLock = async (params) => {
      // The claims sent after the failed one find nothing until it has landed (they ran just before it).
      if (calls++ > 0) return landed ? fetchAndLock(params) : [];
      // Held up in the network: the claim lands 4 s after the caller gave up on it.
      void t.clock.sleep(4000).then(async () => {
        await fetchAndLock(params);
        landed = true;
      });
      throw new StorageError('fetchAndLock', { detail: 'timed out' });
    };
    const runs: number[] = [];
    t.registry.register('once', async (_payload, ctx) => {
      runs.push(ctx.attempt);
    });
    const id = await t.server.client.enqueue('once', {}, { maxAttempts: 1 });
    const startedAt = t.clock.now().getTime();
    await t.server.start();
    const succeeded = nextEvent(t.server, 'jobSucceeded', (e) => e.jobId === id);
    await advanceUntil(t.clock, () => runs.length > 0, 500, 40);
    expect(t.clock.now().getTime() - startedAt).toBeLessThan(30_000);
    expect((await succeeded).job).toMatchObject({ state: 'succeeded', attempt: 1 });
    expect(runs).toEqual([1]);
    await t.server.stop();
  });

  it('retries within a second while a failed claim is in doubt, so the hand-back lands inside the lease', async () => {
    const { clock, state, dispatcher, enqueue } = setup({ leaseMs: 30_000 });
    await enqueue(1);
    state.methods = ['fetchAndLock', 'releaseLostClaims'];
    state.failuresLeft = 8;
    dispatcher.start();
    const failedAt: number[] = [];
    const start = clock.now().getTime();
    for (let step = 0; step < 2000 && !state.calls.includes('releaseLostClaims'); step++) {
      await settle();
      while (failedAt.length < state.failed.length) failedAt.push(clock.now().getTime() - start);
      clock.advance(50);
    }
    await dispatcher.stop();
    expect(state.failed).toEqual(['fetchAndLock', ...Array.from({ length: 7 }, () => 'releaseLostClaims')]);
    const gaps = failedAt.slice(1).map((at, i) => at - (failedAt[i] ?? 0));
    // The loop backoff alone would wait 1, 2, 4, 8, 16, 30 s: 7 tries would span over a minute, past the lease.
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1000 * 1.25 + 50);
  });

  it('with a local queue, claims again only once there is room for a full batch', async () => {
    const { storage, server, registry } = makeServer({ workerCount: 1, fetchBatchSize: 4, localQueueSize: 4 });
    const limits = spyFetches(storage);
    const gates: (() => void)[] = [];
    registry.register('wait', () => {
      const gate = deferred();
      gates.push(gate.resolve);
      return gate.promise;
    });
    await server.client.enqueueMany(Array.from({ length: 20 }, () => ({ method: 'wait', payload: {} })));
    await server.start();
    // 1 running and 3 waiting, then 2 waiting: room for 1, then 2, is not worth a round trip.
    for (let i = 0; i < 2; i++) {
      await until(() => gates.length === i + 1);
      await settle(10);
      expect(limits).toEqual([4]);
      gates[i]?.();
    }
    // 1 running, 1 waiting, then none: room for the full batch of 4.
    await until(() => gates.length === 3);
    gates[2]?.();
    await until(() => limits.length === 2);
    expect(limits).toEqual([4, 4]);
    for (let i = 3; i < 20; i++) {
      await until(() => gates.length > i);
      gates[i]?.();
    }
    await until(async () => (await storage.counts()).byState.succeeded === 20);
    expect(Math.min(...limits)).toBe(4);
    await server.stop();
  });

  describeLoopLifecycle(() => {
    const { dispatcher, clock, state, context } = setup();
    return { loop: dispatcher, clock, state, errors: context.errors, method: 'fetchAndLock' };
  });
});

describe('mergeClaims', () => {
  const job = (id: string, priority: number, runAtMs: number) => ({ id, priority, runAt: new Date(runAtMs) }) as Job;

  it('interleaves two claims into one claim order: priority desc, runAt asc, id asc', () => {
    const a = [job('a1', 5, 10), job('a2', 1, 0), job('a3', 1, 20)];
    const b = [job('b1', 5, 10), job('b2', 3, 50), job('b3', 1, 20)];
    expect(mergeClaims(a, b).map((j) => j.id)).toEqual(['a1', 'b1', 'b2', 'a2', 'a3', 'b3']);
  });

  it('puts a claim that lies wholly before the other first, whichever was sent first', () => {
    const early = [job('e1', 0, 1), job('e2', 0, 2)];
    const late = [job('l1', 0, 3), job('l2', 0, 4)];
    expect(mergeClaims(late, early).map((j) => j.id)).toEqual(['e1', 'e2', 'l1', 'l2']);
    expect(mergeClaims(early, []).map((j) => j.id)).toEqual(['e1', 'e2']);
  });
});
