import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../events.js';
import { makeNewJob } from '../testing/new-job.js';
import { LeaseSweep, type LeaseSweepConfig } from './lease-sweep.js';
import { advanceUntil, describeLoopLifecycle, makeLoopFixture, makeServer, retryTimes } from './test-support.js';

const CONFIG: LeaseSweepConfig = { intervalMs: 1000, batchSize: 10, failedTtlMs: 60_000 };

function setup(config: Partial<LeaseSweepConfig> = {}) {
  const { clock, memory, state, storage, context } = makeLoopFixture();
  let wakeUps = 0;
  const sweep = new LeaseSweep(context, storage, { ...CONFIG, ...config }, () => {
    wakeUps++;
  });
  /** `count` jobs claimed by a server that vanished, their 100 ms leases lapsed. */
  const lapsed = async (count: number, maxAttempts = 5) => {
    await memory.enqueue({ jobs: Array.from({ length: count }, () => makeNewJob({ maxAttempts }, clock.now())) });
    await memory.fetchAndLock({ serverId: 'gone#1', queues: [], limit: count, leaseMs: 100 });
    clock.advance(200);
  };
  return { clock, memory, state, context, sweep, lapsed, wakeUps: () => wakeUps };
}

describe('LeaseSweep', () => {
  it('requeues expired leases, draining more than a batch in one pass, and wakes the dispatcher once', async () => {
    const { memory, sweep, lapsed, wakeUps } = setup({ batchSize: 10 });
    await lapsed(25);
    expect(await sweep.runOnce()).toBe(25);
    expect((await memory.counts()).byState.enqueued).toBe(25);
    expect(wakeUps()).toBe(1);
  });

  it('leaves live leases alone and wakes no one when nothing lapsed', async () => {
    const { clock, memory, sweep, wakeUps } = setup();
    await memory.enqueue({ jobs: [makeNewJob({}, clock.now())] });
    await memory.fetchAndLock({ serverId: 'alive#1', queues: [], limit: 1, leaseMs: 60_000 });
    expect(await sweep.runOnce()).toBe(0);
    expect((await memory.counts()).byState.processing).toBe(1);
    expect(wakeUps()).toBe(0);
  });

  it('reports each move after the write, and fails a job with no attempt left', async () => {
    const { memory, context, sweep, lapsed } = setup();
    const moves: JobEvent[] = [];
    context.events.on('stateChange', (e) => {
      moves.push(e);
    });
    await lapsed(1, 1);
    expect(await sweep.runOnce()).toBe(1);
    expect(moves.map((e) => `${e.from}->${e.to}`)).toEqual(['processing->failed']);
    expect((await memory.counts()).byState.failed).toBe(1);
  });

  it('runs at heartbeatIntervalMs by default, with heartbeats off too', async () => {
    const { clock, storage, server } = makeServer({
      workerCount: 0,
      enableHeartbeat: false,
      heartbeatIntervalMs: 2000,
    });
    expect(server.config.tuning.leaseSweepIntervalMs).toBe(2000);
    await storage.enqueue({ jobs: [makeNewJob({}, clock.now())] });
    await storage.fetchAndLock({ serverId: 'gone#1', queues: [], limit: 1, leaseMs: 100 });
    await server.start();
    // The first pass ran at start, before the lease lapsed; the next one comes one interval later.
    const startedAt = clock.now().getTime();
    await advanceUntil(clock, async () => (await storage.counts()).byState.enqueued === 1, 100, 30);
    expect(clock.now().getTime() - startedAt).toBe(2000);
    expect(await storage.listServers()).toEqual([]);
    await server.stop();
  });

  it('retries a failing sweep at least once per interval', async () => {
    const { sweep, clock, state, context } = setup({ intervalMs: 1000 });
    const times = await retryTimes(
      { loop: sweep, clock, state, errors: context.errors, method: 'requeueExpiredLeases' },
      8,
      50,
    );
    expect(times).toHaveLength(9);
    const gaps = times.slice(1).map((at, i) => at - (times[i] ?? 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1000 * 1.25 + 50);
    expect(context.errors.every((e) => e.source === 'leaseSweep')).toBe(true);
  });

  describeLoopLifecycle(() => {
    const { sweep, clock, state, context } = setup();
    return { loop: sweep, clock, state, errors: context.errors, method: 'requeueExpiredLeases' };
  });
});
