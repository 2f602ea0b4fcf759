// crash.ts: a server process is SIGKILLed while it runs a job; a second process reclaims the job (dead-peer reclaim
// or lease expiry, whichever comes first) and finishes it. The crash spent an attempt, so the job ends `succeeded`
// at attempt 2. Short heartbeat, dead-server and lease times keep it quick; real time, since the processes are real.
import { describe, expect, it } from 'vitest';
import type { ChildServerConfig } from '../process-kit/protocol.js';
import { type BlockPayload, TEST_METHODS } from '../process-kit/test-handlers.js';
import type { ServerIntegrationContext } from './context.js';

const FAST_RECLAIM: ChildServerConfig = {
  workerCount: 2,
  pollingIntervalMs: 200,
  heartbeatIntervalMs: 200,
  deadServerTimeoutMs: 1_000,
  leaseMs: 1_500,
};

/** Registers the crash test: SIGKILL mid-job, reclaim by another process, attempt 2. */
export function crashIntegration(ctx: ServerIntegrationContext): void {
  describe('a server process that crashes mid-job', () => {
    it('has its job reclaimed and finished by another process, at attempt 2', { timeout: 60_000 }, async () => {
      const { processes, client } = ctx;
      const crashing = await processes.start('a', FAST_RECLAIM);
      const payload: BlockPayload = { blockIn: crashing.name };
      const id = await client.enqueue(TEST_METHODS.block, payload);
      await processes.waitUntil(() => crashing.ran(id), 'process a to start the job');

      await crashing.kill('SIGKILL');
      expect(await client.get(id)).toMatchObject({ state: 'processing', attempt: 1 });

      const survivor = await processes.start('b', FAST_RECLAIM);
      await processes.waitUntil(() => survivor.reached(id, 'succeeded'), 'process b to finish the job');

      expect(await client.get(id)).toMatchObject({ state: 'succeeded', attempt: 2, lockedBy: null });
      expect(crashing.records.map((record) => record.attempt)).toEqual([1]);
      expect(survivor.records.filter((record) => record.jobId === id).map((record) => record.attempt)).toEqual([2]);
    });
  });
}
