import { describe, expect, it } from 'vitest';
import { LeaseLostError } from '../errors.js';
import type { ErrorEvent, JobEvent } from '../events.js';
import type { Job } from '../job.js';
import { DEFAULT_TUNING } from './config.js';
import { PendingOutcomes, pendingOutcomesBound } from './pending-outcomes.js';
import { Run } from './run.js';
import {
  advanceUntil,
  flakiness,
  flakyStorage,
  gateFinish,
  makeServer,
  nextEvent,
  settle,
  type TestServer,
  until,
} from './test-support.js';

/** Registers `noop`, which records the order handlers start in. */
function recordStarts(t: TestServer): string[] {
  const starts: string[] = [];
  t.registry.register('noop', async (_payload, ctx) => {
    starts.push(ctx.job.id);
  });
  return starts;
}

function enqueueNoops(t: TestServer, count: number): Promise<string[]> {
  return t.server.client.enqueueMany(Array.from({ length: count }, () => ({ method: 'noop', payload: {} })));
}

function collectErrors(t: TestServer): ErrorEvent[] {
  const errors: ErrorEvent[] = [];
  t.server.on('error', (e) => {
    errors.push(e);
  });
  return errors;
}

/** Settled runs named by their job ids, as the executor hands them over (still `running`). */
function runs(...ids: string[]): Run[] {
  return ids.map((id) => new Run({ id, leaseId: `lease-${id}`, attempt: 1 } as Job, 1000, 0));
}

/** As the executor ends a run: the bound reads its state first, then it moves to `ended`. */
function end(pending: PendingOutcomes, run: Run): readonly Run[] {
  const admitted = pending.ended(run);
  run.end();
  return admitted;
}

describe('PendingOutcomes', () => {
  it('admits up to its limit, holds the rest, and admits held runs oldest first as pending writes end', () => {
    const pending = new PendingOutcomes(2);
    const [a, b, c, d] = runs('a', 'b', 'c', 'd') as [Run, Run, Run, Run];
    expect([pending.admit(a), pending.admit(b), pending.admit(c), pending.admit(d)]).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect([a, b, c, d].map((run) => run.state)).toEqual(['writtenBehind', 'writtenBehind', 'held', 'held']);
    expect([pending.count, pending.heldCount]).toEqual([2, 2]);
    expect(end(pending, a)).toEqual([c]);
    expect(c.state).toBe('writtenBehind');
    expect(end(pending, b)).toEqual([d]);
    expect([pending.count, pending.heldCount]).toEqual([2, 0]);
  });

  it('lets a held run whose own write ended leave without admitting anyone', () => {
    const pending = new PendingOutcomes(1);
    const [a, b, c] = runs('a', 'b', 'c') as [Run, Run, Run];
    pending.admit(a);
    pending.admit(b);
    pending.admit(c);
    expect(end(pending, b)).toEqual([]);
    expect(end(pending, a)).toEqual([c]);
    expect(end(pending, c)).toEqual([]);
    expect([pending.count, pending.heldCount]).toEqual([0, 0]);
  });

  it('holds every run with a limit of 0', () => {
    const pending = new PendingOutcomes(0);
    const [a] = runs('a') as [Run];
    expect(pending.admit(a)).toBe(false);
    expect(a.state).toBe('held');
    expect(end(pending, a)).toEqual([]);
  });

  it('leaves alone a run that ends without an outcome (discarded or handed back)', () => {
    const pending = new PendingOutcomes(1);
    const [a, b, c] = runs('a', 'b', 'c') as [Run, Run, Run];
    pending.admit(a);
    pending.admit(b);
    c.release();
    expect(end(pending, c)).toEqual([]);
    expect([pending.count, pending.heldCount]).toEqual([1, 1]);
  });
});

describe('write-behind completions', () => {
  it('frees the slot before the finish resolves: the next job starts while the first one is being written', async () => {
    const t = makeServer({ workerCount: 1 });
    const gate = gateFinish(t.storage);
    const starts = recordStarts(t);
    await t.server.start();
    const [first] = await enqueueNoops(t, 1);
    await until(() => gate.waiting === 1);
    const [second] = await enqueueNoops(t, 1);
    await until(() => starts.length === 2);
    expect(starts).toEqual([first, second]);
    expect(gate.calls.map((call) => call.map((o) => o.id))).toEqual([[first]]);
    expect((await t.storage.get(first!))?.state).toBe('processing');
    gate.open();
    await until(async () => (await t.storage.counts()).byState.succeeded === 2);
    await t.server.stop();
  });

  it('bounds a server at 2 x (workerCount + localQueueSize) outcomes pending, and at least minPendingOutcomes', () => {
    const minimum = DEFAULT_TUNING.minPendingOutcomes;
    expect(pendingOutcomesBound(10, 0, minimum)).toBe(minimum);
    expect(pendingOutcomesBound(0, 0, minimum)).toBe(minimum);
    expect(pendingOutcomesBound(50, 1500, minimum)).toBe(3100);
    expect(pendingOutcomesBound(minimum / 2 + 1, 0, minimum)).toBe(minimum + 2);
  });

  it('keeps at most the bound of outcomes pending; the next settled job keeps its slot', async () => {
    const t = makeServer({ workerCount: 2 });
    const gate = gateFinish(t.storage);
    const starts = recordStarts(t);
    const bound = pendingOutcomesBound(2, 0, DEFAULT_TUNING.minPendingOutcomes);
    const ids = await enqueueNoops(t, bound + 4);
    await t.server.start();
    // The first `bound` jobs are written behind; the next 2 run in the freed slots, then keep them.
    await until(() => starts.length === bound + 2);
    await settle(10);
    expect(starts).toEqual(ids.slice(0, bound + 2));
    expect((await t.storage.counts()).byState).toMatchObject({ processing: bound + 2, enqueued: 2 });
    expect(gate.calls).toHaveLength(1);
    gate.open();
    await until(async () => (await t.storage.counts()).byState.succeeded === bound + 4);
    expect(starts).toEqual(ids);
    await t.server.stop();
  });

  it('emits stateChange and jobSucceeded only after the held finish resolves', async () => {
    const t = makeServer();
    const gate = gateFinish(t.storage);
    recordStarts(t);
    const moves: JobEvent[] = [];
    t.server.onStateChange((e) => {
      moves.push(e);
    });
    await t.server.start();
    const id = await t.server.client.enqueue('noop', {});
    await until(() => gate.waiting === 1);
    await settle(10);
    expect(moves.map((e) => `${e.from}->${e.to}`)).toEqual(['enqueued->processing']);
    const succeeded = nextEvent(t.server, 'jobSucceeded', (e) => e.jobId === id);
    gate.open();
    await succeeded;
    expect((await t.storage.get(id))?.state).toBe('succeeded');
    expect(moves.map((e) => `${e.from}->${e.to}`)).toEqual(['enqueued->processing', 'processing->succeeded']);
    await t.server.stop();
  });

  it('renews the lease of an outcome waiting to be written, past the original lease', async () => {
    const t = makeServer({ leaseMs: 3000 });
    const gate = gateFinish(t.storage);
    recordStarts(t);
    const renewed: string[][] = [];
    const renew = t.storage.renewLeases.bind(t.storage);
    t.storage.renewLeases = (params) => {
      renewed.push(params.leases.map((lease) => lease.id));
      return renew(params);
    };
    await t.server.start();
    const id = await t.server.client.enqueue('noop', {});
    await until(() => gate.waiting === 1);
    const claimedUntil = (await t.storage.get(id))?.lockedUntil?.getTime() ?? 0;
    await advanceUntil(t.clock, () => renewed.length >= 4, 1000);
    expect(renewed.every((ids) => ids.includes(id))).toBe(true);
    expect(t.clock.now().getTime()).toBeGreaterThan(claimedUntil);
    expect((await t.storage.get(id))?.lockedUntil?.getTime()).toBeGreaterThan(t.clock.now().getTime());
    expect(
      await t.storage.requeueExpiredLeases({ now: t.clock.now(), limit: 10, failedExpiresAt: t.clock.now() }),
    ).toEqual([]);
    gate.open();
    await until(async () => (await t.storage.get(id))?.state === 'succeeded');
    expect(await t.storage.get(id)).toMatchObject({ attempt: 1 });
    await t.server.stop();
  });

  it('drops a waiting outcome whose lease a renewal finds gone, and emits nothing for it', async () => {
    const t = makeServer({ workerCount: 1, leaseMs: 3000 });
    const gate = gateFinish(t.storage);
    const starts = recordStarts(t);
    const errors = collectErrors(t);
    const succeeded: string[] = [];
    t.server.on('jobSucceeded', (e) => {
      succeeded.push(e.jobId);
    });
    await t.server.start();
    const [sent] = await enqueueNoops(t, 1);
    await until(() => gate.waiting === 1);
    const [queued] = await enqueueNoops(t, 1);
    await until(() => starts.length === 2);
    await settle(10);
    await t.storage.delete(queued!); // the lease goes behind the server's back, and no cancel explains it
    await advanceUntil(t.clock, () => errors.length === 1, 1000);
    expect(errors[0]).toMatchObject({ source: 'leaseRenewal', error: expect.any(LeaseLostError) });
    gate.open();
    await until(async () => (await t.storage.get(sent!))?.state === 'succeeded');
    await t.server.stop();
    expect(gate.calls.flat().map((o) => o.id)).toEqual([sent]);
    expect(succeeded).toEqual([sent]);
    expect(await t.storage.get(queued!)).toBeNull();
    expect(errors).toHaveLength(1);
  });

  it('cancels through server.client quietly while outcomes wait: no error, no success event, jobCancelled', async () => {
    const t = makeServer({ workerCount: 1 });
    const gate = gateFinish(t.storage);
    const starts = recordStarts(t);
    const errors = collectErrors(t);
    const moves: JobEvent[] = [];
    await t.server.start();
    const ids = await enqueueNoops(t, 1);
    await until(() => gate.waiting === 1);
    ids.push(...(await enqueueNoops(t, 1)));
    await until(() => starts.length === 2);
    await settle(10);
    t.server.onStateChange((e) => {
      moves.push(e);
    });
    // The first outcome is already sent (held at the gate), the second still queued.
    for (const id of ids) await t.server.client.cancel(id);
    gate.open();
    await t.server.stop();
    expect(errors).toEqual([]);
    expect(moves.map((e) => [e.jobId, e.from, e.to])).toEqual(ids.map((id) => [id, 'processing', 'deleted']));
    expect(gate.calls.flat().map((o) => o.id)).toEqual([ids[0]]);
    for (const id of ids) expect((await t.storage.get(id))?.state).toBe('deleted');
  });

  it('stop() waits for outcomes still being written and persists them', async () => {
    const t = makeServer({ workerCount: 3 });
    const gate = gateFinish(t.storage);
    const starts = recordStarts(t);
    const ids = await enqueueNoops(t, 3);
    await t.server.start();
    await until(() => starts.length === 3 && gate.waiting === 1);
    let stopped = false;
    const stopping = t.server.stop().then(() => {
      stopped = true;
    });
    await settle(10);
    expect(stopped).toBe(false);
    gate.open();
    await stopping;
    for (const id of ids) expect((await t.storage.get(id))?.state).toBe('succeeded');
  });

  it('leaves every job succeeded exactly once after a finish fails and then succeeds', async () => {
    const base = makeServer();
    const state = flakiness();
    state.methods = ['finish'];
    state.failuresLeft = 2;
    const t = makeServer({ workerCount: 4 }, { storage: flakyStorage(base.storage, state), clock: base.clock });
    const runs = new Map<string, number>();
    const successes = new Map<string, number>();
    t.registry.register('noop', async (_payload, ctx) => {
      runs.set(ctx.job.id, (runs.get(ctx.job.id) ?? 0) + 1);
    });
    t.server.on('jobSucceeded', (e) => {
      successes.set(e.jobId, (successes.get(e.jobId) ?? 0) + 1);
    });
    const ids = await enqueueNoops(t, 200);
    await t.server.start();
    await advanceUntil(t.clock, () => successes.size === 200, 500);
    await t.server.stop();
    expect(state.failed).toEqual(['finish', 'finish']);
    expect((await t.storage.counts()).byState.succeeded).toBe(200);
    for (const id of ids) {
      expect(runs.get(id)).toBe(1);
      expect(successes.get(id)).toBe(1);
    }
  });

  for (const workerCount of [1, 32]) {
    it(`processes 3,000 jobs exactly once with workerCount ${workerCount} while each finish takes a few turns`, async () => {
      const t = makeServer({ workerCount, localQueueSize: 50, fetchBatchSize: 50 });
      const finish = t.storage.finish.bind(t.storage);
      t.storage.finish = async (outcomes) => {
        await settle(3);
        return finish(outcomes);
      };
      const runs = new Map<number, number>();
      let running = 0;
      let maxRunning = 0;
      t.registry.register('count', async (payload: { n: number }) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        runs.set(payload.n, (runs.get(payload.n) ?? 0) + 1);
        await Promise.resolve();
        running--;
      });
      await t.server.client.enqueueMany(Array.from({ length: 3000 }, (_, n) => ({ method: 'count', payload: { n } })));
      await t.server.start();
      await until(async () => (await t.storage.counts()).byState.succeeded === 3000, 20_000);
      await t.server.stop();
      expect(runs.size).toBe(3000);
      expect([...runs.values()].every((count) => count === 1)).toBe(true);
      expect(maxRunning).toBeLessThanOrEqual(workerCount);
    });
  }
});
