// debounce.test.ts: onDuplicate 'replace' end to end on MemoryStorage and a ManualClock: enqueues of one uniqueKey
// with a delay, closer together than the delay, keep pushing one job back, which then runs once with the last payload.
import { describe, expect, it } from 'vitest';
import { advanceUntil, makeServer, settle } from './test-support.js';

describe('debounce', () => {
  it('runs the handler once, with the last payload, for enqueues every 200 ms delayed by 1000 ms', async () => {
    const t = makeServer();
    const runs: unknown[] = [];
    t.registry.register('reindex', async (payload) => {
      runs.push(payload);
    });
    await t.server.start();
    const options = { uniqueKey: 'reindex:7', onDuplicate: 'replace', delayMs: 1_000 } as const;
    const ids = new Set<string>();
    for (let n = 1; n <= 5; n++) {
      ids.add(await t.server.client.enqueue('reindex', { n }, options));
      t.clock.advance(200);
      await settle();
      expect(runs, `nothing runs while enqueues keep coming (after #${n})`).toEqual([]);
    }
    expect(ids.size).toBe(1);
    await advanceUntil(t.clock, () => runs.length > 0, 100);
    t.clock.advance(5_000);
    await settle();
    expect(runs).toEqual([{ n: 5 }]);
    expect(await t.storage.get([...ids][0] as string)).toMatchObject({ state: 'succeeded', payload: { n: 5 } });
    await t.server.stop();
  });
});
