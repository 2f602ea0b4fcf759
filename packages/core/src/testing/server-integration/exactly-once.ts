// exactly-once.ts: three server processes of 8 workers each share one store and run 3,000 jobs, half enqueued
// before the later processes start and half while all three run. Every job runs once and succeeds once: no
// duplicate, none missing, the store's counts agree. Real processes and real time: that is what is under test.
import { describe, expect, it } from 'vitest';
import type { EnqueueItem } from '../../client.js';
import type { ChildServerConfig } from '../process-kit/protocol.js';
import { type SlowPayload, TEST_METHODS } from '../process-kit/test-handlers.js';
import type { ServerIntegrationContext } from './context.js';

const JOBS = 3_000;
const BATCH = 250;
/** Each job takes this long, so 8 run at once per process and the later processes find work when they start. */
const JOB_MS = 10;
/** A short poll: on a backend without cross-process push, the parent's enqueues reach children by polling. */
const CONFIG: ChildServerConfig = { workerCount: 8, pollingIntervalMs: 200 };

/** Registers the exactly-once test: 3 processes, 3,000 jobs, each run and succeeded once. */
export function exactlyOnceIntegration(ctx: ServerIntegrationContext): void {
  describe('several server processes on one store', () => {
    it(`runs each of ${JOBS} jobs exactly once across 3 processes of 8 workers`, { timeout: 120_000 }, async () => {
      const { processes, client, storage } = ctx;
      const ids: string[] = [];
      const enqueue = async (count: number) => {
        for (let done = 0; done < count; done += BATCH) {
          const payload: SlowPayload = { ms: JOB_MS };
          const items: EnqueueItem[] = Array.from({ length: Math.min(BATCH, count - done) }, () => ({
            method: TEST_METHODS.slow,
            payload,
          }));
          ids.push(...(await client.enqueueMany(items)));
        }
      };

      const first = await processes.start('a', CONFIG);
      await enqueue(JOBS / 2);
      await processes.waitUntil(() => first.records.length > 0, 'process a to run jobs');
      // The other two start while the first is busy on the same store.
      const later = await Promise.all([processes.start('b', CONFIG), processes.start('c', CONFIG)]);
      await enqueue(JOBS / 2);
      const all = [first, ...later];
      const succeeded = () => all.reduce((sum, child) => sum + child.movesInto('succeeded'), 0);
      await processes.waitUntil(() => succeeded() >= JOBS, `${JOBS} jobs to succeed`, { timeoutMs: 90_000 });

      const ran = processes.records;
      const ranIds = ran.map((record) => record.jobId);
      expect(new Set(ranIds).size).toBe(ranIds.length);
      expect([...ranIds].sort()).toEqual([...ids].sort());
      expect(ran.every((record) => record.attempt === 1)).toBe(true);
      expect(succeeded()).toBe(JOBS);
      expect((await storage.counts()).byState).toMatchObject({
        succeeded: JOBS,
        enqueued: 0,
        processing: 0,
        awaiting_retry: 0,
        failed: 0,
      });
      // Each process took a share: they really raced on the same jobs.
      for (const child of all) expect(child.records.length, `jobs run by ${child.name}`).toBeGreaterThan(0);
    });
  });
}
