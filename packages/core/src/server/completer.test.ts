import { MemoryStorage } from '@jobsmith/storage-memory';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import type { FinishOutcome } from '../storage.js';
import { makeNewJob } from '../testing/new-job.js';
import { Completer, type FinishWrite, WRITE_RETRY_BACKOFF, type WriteResult } from './completer.js';
import { DEFAULT_TUNING } from './config.js';
import { flakiness, flakyStorage, gateFinish, makeLoopContext, settle, until } from './test-support.js';

/** A completer over a MemoryStorage whose finish waits at a gate. Outcomes name no stored job: storage refuses them. */
function setup() {
  const clock = new ManualClock();
  const storage = new MemoryStorage({ clock });
  const gate = gateFinish(storage);
  const completer = new Completer(storage, clock, makeLoopContext(clock).events);
  return { gate, completer };
}

/** How the write ended, without its time. */
async function resultOf(write: Promise<FinishWrite>): Promise<WriteResult> {
  return (await write).result;
}

function outcome(n: number): FinishOutcome {
  return { id: `job-${n}`, leaseId: `lease-${n}`, to: 'succeeded', result: 'null' };
}

describe('Completer', () => {
  it('keeps one finish in flight; outcomes queued meanwhile go together in the next call', async () => {
    const { gate, completer } = setup();
    const results: Promise<WriteResult>[] = [resultOf(completer.finish(outcome(1)))];
    await until(() => gate.waiting === 1);
    for (let n = 2; n <= 4; n++) results.push(resultOf(completer.finish(outcome(n))));
    await settle();
    expect(gate.calls.map((call) => call.length)).toEqual([1]);
    gate.open();
    expect(await Promise.all(results)).toEqual(['leaseLost', 'leaseLost', 'leaseLost', 'leaseLost']);
    expect(gate.calls.map((call) => call.map((o) => o.id))).toEqual([['job-1'], ['job-2', 'job-3', 'job-4']]);
  });

  it("reports the time it gave storage as the stored job's updatedAt", async () => {
    const clock = new ManualClock(Date.UTC(2030, 0, 1));
    const storage = new MemoryStorage({ clock });
    const completer = new Completer(storage, clock, makeLoopContext(clock).events);
    await storage.enqueue({ jobs: [makeNewJob({}, clock.now())] });
    const [job] = await storage.fetchAndLock({ serverId: 's', queues: [], limit: 1, leaseMs: 60_000 });
    clock.advance(1_000);
    const write = await completer.finish({ id: job!.id, leaseId: job!.leaseId!, to: 'succeeded', result: '1' });
    expect(write).toEqual({ result: 'persisted', writtenAt: clock.now() });
    expect((await storage.get(job!.id))?.updatedAt).toEqual(write.writtenAt);
  });

  const { maxWriteBatch } = DEFAULT_TUNING;

  it(`sends at most ${maxWriteBatch} outcomes per call`, async () => {
    const { gate, completer } = setup();
    gate.open();
    const results = Array.from({ length: maxWriteBatch + 5 }, (_, n) => resultOf(completer.finish(outcome(n))));
    await Promise.all(results);
    expect(gate.calls.map((call) => call.length)).toEqual([maxWriteBatch, 5]);
  });

  it('drops a queued outcome, which resolves as dropped, but not one already sent', async () => {
    const { gate, completer } = setup();
    const sent = resultOf(completer.finish(outcome(1)));
    await until(() => gate.waiting === 1);
    const queued = resultOf(completer.finish(outcome(2)));
    expect(completer.dropQueued({ id: 'job-1', leaseId: 'lease-1' })).toBe(false);
    expect(completer.dropQueued({ id: 'job-2', leaseId: 'another-lease' })).toBe(false);
    expect(completer.dropQueued({ id: 'job-2', leaseId: 'lease-2' })).toBe(true);
    expect(await queued).toBe('dropped');
    gate.open();
    expect(await sent).toBe('leaseLost');
    await settle();
    expect(gate.calls.flat().map((o) => o.id)).toEqual(['job-1']);
  });
});

describe('Completer when storage fails', () => {
  function failingSetup() {
    const clock = new ManualClock();
    const storage = new MemoryStorage({ clock });
    const state = flakiness();
    state.methods = ['finish'];
    const completer = new Completer(flakyStorage(storage, state), clock, makeLoopContext(clock).events);
    return { clock, storage, state, completer };
  }

  it('keeps retrying a failing call, backing off to 5 s, and answers once storage takes it', async () => {
    const { clock, state, completer } = failingSetup();
    state.failuresLeft = 8;
    const result = resultOf(completer.finish(outcome(1)));
    const failedAt: number[] = [];
    const start = clock.now().getTime();
    while (state.failuresLeft > 0 || state.calls.length === 0) {
      await settle();
      while (failedAt.length < state.failed.length) failedAt.push(clock.now().getTime() - start);
      clock.advance(50);
    }
    expect(await result).toBe('leaseLost');
    const gaps = failedAt.slice(1).map((at, i) => at - (failedAt[i] ?? 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(WRITE_RETRY_BACKOFF.maxMs * 1.25 + 50);
    expect(gaps[0]).toBeLessThanOrEqual(WRITE_RETRY_BACKOFF.initialMs * 1.25 + 50);
  });

  it('resolves every write not yet stored as failed on abandon(), and takes writes again after start()', async () => {
    const { clock, state, completer } = failingSetup();
    state.failuresLeft = 1_000_000;
    const first = resultOf(completer.finish(outcome(1)));
    await until(() => state.failed.length > 0);
    await settle();
    completer.abandon();
    expect(await first).toBe('failed');
    state.failuresLeft = 0;
    completer.start();
    clock.advance(WRITE_RETRY_BACKOFF.maxMs * 2);
    expect(await resultOf(completer.finish(outcome(2)))).toBe('leaseLost');
  });

  it('sets aside an outcome storage refuses as input; its batchmates are written', async () => {
    const clock = new ManualClock();
    const storage = new MemoryStorage({ clock });
    const completer = new Completer(storage, clock, makeLoopContext(clock).events);
    const bad = { ...outcome(1), error: { name: 42, message: 'x' } } as unknown as FinishOutcome;
    const results = await Promise.all([resultOf(completer.finish(bad)), resultOf(completer.finish(outcome(2)))]);
    expect(results).toEqual(['failed', 'leaseLost']);
  });
});
