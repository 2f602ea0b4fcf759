import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../events.js';
import { makeNewJob } from '../testing/new-job.js';
import { Scheduler } from './scheduler.js';
import {
  advanceUntil,
  describeLoopLifecycle,
  makeLoopFixture,
  makeServer,
  nextEvent,
  settle,
  until,
} from './test-support.js';

function setup(batchSize = 10) {
  const { clock, memory, state, storage, context } = makeLoopFixture();
  let promotedSignals = 0;
  const scheduler = new Scheduler(context, storage, { pollIntervalMs: 1000, batchSize }, () => {
    promotedSignals++;
  });
  const enqueueScheduled = (count: number, delayMs: number) =>
    memory.enqueue({
      jobs: Array.from({ length: count }, () =>
        makeNewJob({ state: 'scheduled', runAt: new Date(clock.now().getTime() + delayMs) }, clock.now()),
      ),
    });
  return { clock, memory, state, context, scheduler, enqueueScheduled, promoted: () => promotedSignals };
}

describe('Scheduler', () => {
  it('uses the default schedulerPollIntervalMs: a server promotes a delayed job within a second of runAt', async () => {
    const { clock, server, registry } = makeServer({ enableCleanup: false, enableRecurring: false });
    registry.register('later', async () => 'done');
    await server.start();
    const id = await server.client.enqueue('later', {}, { delayMs: 1500 });
    const succeeded = nextEvent(server, 'jobSucceeded', (e) => e.jobId === id);
    await advanceUntil(clock, async () => (await server.client.get(id))?.state === 'succeeded', 250);
    await succeeded;
    const runAt = Date.UTC(2030, 0, 1) + 1500;
    expect((await server.client.get(id))?.startedAt?.getTime()).toBeLessThanOrEqual(runAt + 1000);
    await server.stop();
  });

  it('does not start a delayed job before its runAt, and starts it at runAt', async () => {
    const { clock, server, registry } = makeServer();
    const startedAt: number[] = [];
    registry.register('later', async () => {
      startedAt.push(clock.now().getTime());
    });
    await server.start();
    const id = await server.client.enqueue('later', {}, { delayMs: 5000 });
    const runAt = clock.now().getTime() + 5000;
    while (clock.now().getTime() + 333 < runAt) {
      clock.advance(333);
      await settle();
    }
    clock.set(runAt - 1);
    await settle();
    expect(startedAt).toEqual([]);
    expect((await server.client.get(id))?.state).toBe('scheduled');
    const succeeded = nextEvent(server, 'jobSucceeded', (e) => e.jobId === id);
    clock.advance(1);
    await succeeded;
    expect(startedAt).toEqual([runAt]);
    await server.stop();
  });

  it('promotes every due job in one pass and leaves the rest', async () => {
    const { clock, memory, scheduler, enqueueScheduled, promoted } = setup();
    await enqueueScheduled(3, 1000);
    await enqueueScheduled(2, 5000);
    clock.advance(1000);
    expect(await scheduler.runOnce()).toBe(3);
    expect((await memory.counts()).byState).toMatchObject({ enqueued: 3, scheduled: 2 });
    expect(promoted()).toBe(1);
    expect(await scheduler.runOnce()).toBe(0);
  });

  it('drains more than a batch in one pass', async () => {
    const { clock, state, scheduler, enqueueScheduled } = setup(10);
    await enqueueScheduled(25, 10);
    clock.advance(10);
    expect(await scheduler.runOnce()).toBe(25);
    expect(state.calls.filter((m) => m === 'promoteDue')).toHaveLength(3);
  });

  it('emits a stateChange per promotion, after it is persisted', async () => {
    const { clock, memory, context, scheduler, enqueueScheduled } = setup();
    const [{ id }] = (await enqueueScheduled(1, 10)) as unknown as [{ id: string }];
    const seen: { event: JobEvent; stored: string | undefined }[] = [];
    context.events.on('stateChange', async (event) => {
      seen.push({ event, stored: (await memory.get(event.jobId))?.state });
    });
    clock.advance(10);
    await scheduler.runOnce();
    await until(() => seen.length === 1);
    expect(seen[0]!.event).toMatchObject({ jobId: id, from: 'scheduled', to: 'enqueued' });
    expect(seen[0]!.stored).toBe('enqueued');
  });

  it('wakes before its next poll for a retry this server wrote', async () => {
    const { clock, memory, scheduler, enqueueScheduled, state } = setup();
    scheduler.start();
    await until(() => clock.sleeperCount > 0);
    const passes = () => state.calls.filter((m) => m === 'promoteDue').length;
    const before = passes();
    await enqueueScheduled(1, 300);
    scheduler.dueAt(new Date(clock.now().getTime() + 300));
    await until(() => passes() > before && clock.sleeperCount > 0);
    clock.advance(300);
    await until(async () => (await memory.counts()).byState.enqueued === 1);
    await scheduler.stop();
  });

  describeLoopLifecycle(() => {
    const { scheduler, clock, state, context } = setup();
    return { loop: scheduler, clock, state, errors: context.errors, method: 'promoteDue' };
  });
});
