import { MemoryStorage } from '@jobsmith/storage-memory';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import type { FinishOutcome } from '../storage.js';
import { Completer, MAX_WRITE_BATCH, type WriteResult } from './completer.js';
import { gateFinish, makeLoopContext, settle, until } from './test-support.js';

/** A completer over a MemoryStorage whose finish waits at a gate. Outcomes name no stored job: storage refuses them. */
function setup() {
  const clock = new ManualClock();
  const storage = new MemoryStorage({ clock });
  const gate = gateFinish(storage);
  const completer = new Completer(storage, clock, makeLoopContext(clock).events);
  return { gate, completer };
}

function outcome(n: number): FinishOutcome {
  return { id: `job-${n}`, leaseId: `lease-${n}`, to: 'succeeded', result: 'null' };
}

describe('Completer', () => {
  it('keeps one finish in flight; outcomes queued meanwhile go together in the next call', async () => {
    const { gate, completer } = setup();
    const results: Promise<WriteResult>[] = [completer.finish(outcome(1))];
    await until(() => gate.waiting === 1);
    for (let n = 2; n <= 4; n++) results.push(completer.finish(outcome(n)));
    await settle();
    expect(gate.calls.map((call) => call.length)).toEqual([1]);
    gate.open();
    expect(await Promise.all(results)).toEqual(['leaseLost', 'leaseLost', 'leaseLost', 'leaseLost']);
    expect(gate.calls.map((call) => call.map((o) => o.id))).toEqual([['job-1'], ['job-2', 'job-3', 'job-4']]);
  });

  it(`sends at most ${MAX_WRITE_BATCH} outcomes per call`, async () => {
    const { gate, completer } = setup();
    gate.open();
    const results = Array.from({ length: MAX_WRITE_BATCH + 5 }, (_, n) => completer.finish(outcome(n)));
    await Promise.all(results);
    expect(gate.calls.map((call) => call.length)).toEqual([MAX_WRITE_BATCH, 5]);
  });

  it('drops a queued outcome, which resolves as dropped, but not one already sent', async () => {
    const { gate, completer } = setup();
    const sent = completer.finish(outcome(1));
    await until(() => gate.waiting === 1);
    const queued = completer.finish(outcome(2));
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
