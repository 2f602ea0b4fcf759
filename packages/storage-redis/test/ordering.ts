// ordering.ts: the ready ZSET's rank (helpers.lua) against thousands of jobs: claims come strictly by priority
// (any int32), then runAt (including dates before 1970), then id, across batches, queues and claim sizes; and a
// retry due at T is claimed before a fresh job of the same priority enqueued after T. Run on one Redis
// (ordering.test.ts) and on a Redis Cluster (cluster/storage.test.ts).
import { ManualClock, type NewJob } from '@jobsmith/core';
import { makeNewJob, type StorageHarness } from '@jobsmith/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RedisStorage } from '../src/storage.js';

const PRIORITIES = [0, 1, -1, 5, -2_147_483_648, 2_147_483_647, 100, -100, 9, 10, 99, 1_000_000];
const NOW_MS = Date.UTC(2030, 0, 1, 12, 0, 0, 123);

/** The order the contract claims in: priority desc, runAt asc, id asc (byte order). */
function contractOrder(jobs: readonly NewJob[]): string[] {
  return [...jobs]
    .sort(
      (a, b) =>
        b.priority - a.priority || a.runAt.getTime() - b.runAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    )
    .map((job) => job.id);
}

/** Claims until empty with limits cycling 1..50, returning ids in claim order (each batch's order kept). */
async function drainInOrder(storage: RedisStorage, queues: string[] = []): Promise<string[]> {
  const order: string[] = [];
  for (let call = 0; ; call++) {
    const batch = await storage.fetchAndLock({ serverId: 's', queues, limit: 1 + (call % 50), leaseMs: 60_000 });
    if (batch.length === 0) return order;
    order.push(...batch.map((job) => job.id));
  }
}

/** Registers the ordering tests on storages from `harness`. */
export function runOrderingTests(harness: StorageHarness<RedisStorage>): void {
  describe(`fetchAndLock ordering: ${harness.name}`, () => {
    let clock: ManualClock;
    let storage: RedisStorage;

    beforeEach(async () => {
      clock = new ManualClock(NOW_MS);
      storage = await harness.create(clock);
    });

    afterEach(async () => {
      await harness.destroy(storage);
    });

    it('claims 3,000 jobs by priority then FIFO, across batches and queues', async () => {
      const jobs: NewJob[] = [];
      for (let batch = 0; batch < 6; batch++) {
        const made = Array.from({ length: 500 }, (_, index) =>
          makeNewJob(
            { priority: PRIORITIES[(batch * 7 + index) % PRIORITIES.length], queue: `q${index % 3}` },
            clock.now(),
          ),
        );
        await storage.enqueue({ jobs: made });
        jobs.push(...made);
        clock.advance(1);
      }
      expect(await drainInOrder(storage)).toEqual(contractOrder(jobs));
    });

    it('orders by runAt within a priority, dates before 1970 included, whatever the ids', async () => {
      const runAts = [NOW_MS, 0, -1, -86_400_000_000, 1, NOW_MS - 1, -8_640_000_000_000_000, 8_640_000_000_000_000];
      const jobs = runAts.map((runAt) => makeNewJob({ runAt: new Date(runAt), priority: 3 }, clock.now()));
      await storage.enqueue({ jobs });
      expect(await drainInOrder(storage, ['default'])).toEqual(contractOrder(jobs));
    });

    it('orders caller-chosen ids by bytes within a priority and runAt', async () => {
      const ids = ['b', 'B', 'a', 'a:1', 'a-1', 'Z', '10', '9', 'é', 'aa'];
      const jobs = ids.map((id) => makeNewJob({ id, queue: id.length % 2 === 0 ? 'even' : 'odd' }, clock.now()));
      await storage.enqueue({ jobs });
      const expected = [...ids].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(await drainInOrder(storage, ['odd', 'even'])).toEqual(expected);
    });

    it('claims a retry due at T before fresh jobs of its priority enqueued after T', async () => {
      await storage.enqueue({ jobs: [makeNewJob({ priority: 2 }, clock.now())] });
      const [claimed] = await storage.fetchAndLock({ serverId: 's', queues: [], limit: 1, leaseMs: 60_000 });
      const dueAt = new Date(NOW_MS + 5_000);
      const lease = { id: claimed!.id, leaseId: claimed!.leaseId! };
      expect(await storage.finish({ outcomes: [{ ...lease, to: 'awaiting_retry', runAt: dueAt }] })).toEqual([true]);

      clock.set(NOW_MS + 8_000);
      const fresh = Array.from({ length: 20 }, () => makeNewJob({ priority: 2 }, clock.now()));
      await storage.enqueue({ jobs: fresh });
      expect(await storage.promoteDue({ now: clock.now(), limit: 10 })).toHaveLength(1);
      expect(await drainInOrder(storage)).toEqual([claimed!.id, ...fresh.map((job) => job.id)]);
    });
  });
}
