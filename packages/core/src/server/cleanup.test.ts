import { describe, expect, it } from 'vitest';
import type { ManualClock } from '../clock.js';
import type { Storage } from '../storage.js';
import { makeNewJob } from '../testing/new-job.js';
import { Cleanup } from './cleanup.js';
import { advanceUntil, describeLoopLifecycle, makeLoopFixture, makeServer } from './test-support.js';

function setup(batchSize = 10) {
  const { clock, memory, state, storage, context } = makeLoopFixture();
  const cleanup = new Cleanup(context, storage, { intervalMs: 60_000, batchSize, batchPauseMs: 0 });
  return { clock, memory, state, context, cleanup };
}

/** Enqueues `count` jobs and finishes them as `to`, expiring `ttlMs` from now. */
async function finished(
  storage: Storage,
  clock: ManualClock,
  count: number,
  to: 'succeeded' | 'failed',
  ttlMs: number,
) {
  await storage.enqueue({ jobs: Array.from({ length: count }, () => makeNewJob({}, clock.now())) });
  const jobs = await storage.fetchAndLock({ serverId: 's', queues: [], limit: count, leaseMs: 60_000 });
  const expiresAt = new Date(clock.now().getTime() + ttlMs);
  const error = { message: 'x' };
  await storage.finish({
    outcomes: jobs.map((j) => ({ id: j.id, leaseId: j.leaseId!, to, expiresAt, result: '1', error })),
  });
  return jobs.map((j) => j.id);
}

describe('Cleanup', () => {
  it('uses the default cleanupIntervalMs: a server purges an expired job within a minute', async () => {
    const { clock, storage, server, registry } = makeServer({ succeededTtlMs: 1000, enableRecurring: false });
    registry.register('quick', async () => 'ok');
    await server.start();
    const id = await server.client.enqueue('quick', {});
    await advanceUntil(clock, async () => (await storage.get(id))?.state === 'succeeded', 0, 50);
    await advanceUntil(clock, async () => (await storage.get(id)) === null, 10_000, 8);
    await server.stop();
  });

  it('purges only finished jobs past their expiresAt', async () => {
    const { clock, memory, cleanup } = setup();
    const done = await finished(memory, clock, 2, 'succeeded', 1000);
    const failed = await finished(memory, clock, 1, 'failed', 1000);
    const keptLonger = await finished(memory, clock, 1, 'succeeded', 60_000);
    await memory.enqueue({ jobs: [makeNewJob({}, clock.now())] });
    await memory.enqueue({
      jobs: [makeNewJob({ state: 'scheduled', runAt: new Date(clock.now().getTime() + 5000) }, clock.now())],
    });
    await memory.enqueue({ jobs: [makeNewJob({}, clock.now())] });
    await memory.fetchAndLock({ serverId: 's', queues: [], limit: 1, leaseMs: 1 });
    clock.advance(10_000);
    expect(await cleanup.runOnce()).toBe(3);
    for (const id of [...done, ...failed]) expect(await memory.get(id)).toBeNull();
    expect(await memory.get(keptLonger[0]!)).not.toBeNull();
    expect((await memory.counts()).byState).toMatchObject({ enqueued: 1, processing: 1, succeeded: 1 });
  });

  it('drains more than a batch in one pass', async () => {
    const { clock, memory, state, cleanup } = setup(10);
    await finished(memory, clock, 25, 'succeeded', 1);
    clock.advance(5);
    expect(await cleanup.runOnce()).toBe(25);
    expect(state.calls.filter((m) => m === 'purgeExpired')).toHaveLength(3);
  });

  describeLoopLifecycle(() => {
    const { cleanup, clock, state, context } = setup();
    return { loop: cleanup, clock, state, errors: context.errors, method: 'purgeExpired' };
  });
});
