// graceful-stop.ts: a server process gets SIGTERM while it runs a job; its `server.stop()` fires the job's signal
// and hands the job back to `enqueued` with the attempt refunded, then the process exits 0. Another process then runs
// the job, at attempt 1. Real time, since the processes are real.
import { describe, expect, it } from 'vitest';
import type { ChildServerConfig } from '../process-kit/protocol.js';
import { type BlockPayload, TEST_METHODS } from '../process-kit/test-handlers.js';
import type { ServerIntegrationContext } from './context.js';

const CONFIG: ChildServerConfig = { workerCount: 2, pollingIntervalMs: 200, shutdownTimeoutMs: 10_000 };

/** Registers the graceful-stop test: SIGTERM mid-job, hand-back with the attempt refunded. */
export function gracefulStopIntegration(ctx: ServerIntegrationContext): void {
  describe('a server process stopped with SIGTERM', () => {
    it('hands its running job back with the attempt refunded; another process runs it at attempt 1', {
      timeout: 60_000,
    }, async () => {
      const { processes, client, storage } = ctx;
      const stopping = await processes.start('a', CONFIG);
      const payload: BlockPayload = { blockIn: stopping.name };
      const id = await client.enqueue(TEST_METHODS.block, payload);
      await processes.waitUntil(() => stopping.ran(id), 'process a to start the job');

      await processes.stop(stopping);
      expect(stopping.reached(id, 'enqueued')).toBe(true);
      expect(await client.get(id)).toMatchObject({ state: 'enqueued', attempt: 0, lockedBy: null, leaseId: null });
      expect((await storage.listServers()).map((server) => server.id)).not.toContain(stopping.serverId);

      const next = await processes.start('b', CONFIG);
      await processes.waitUntil(() => next.reached(id, 'succeeded'), 'process b to finish the job');
      expect(await client.get(id)).toMatchObject({ state: 'succeeded', attempt: 1 });
      expect(next.records.filter((record) => record.jobId === id).map((record) => record.attempt)).toEqual([1]);
    });
  });
}
