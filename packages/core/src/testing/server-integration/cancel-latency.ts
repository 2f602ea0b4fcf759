// cancel-latency.ts: a job running in a server process, cancelled through this test's own client (another process),
// stops promptly and as a cancel: its signal fires with reason `cancel` (not `leaseLost`), the child emits
// `jobCancelled` and logs no warning. With cross-process push the cancel arrives by it; without (a shared SQLite file)
// by the lease renewal the server then runs every polling interval. Leases are long, so neither waits for a renewal
// that was due anyway. Real time, since latency across processes is the point; each figure is printed for the record.
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { TEST_METHODS } from '../process-kit/test-handlers.js';
import type { ServerIntegrationContext } from './context.js';

const ROUNDS = 7;
const POLLING_INTERVAL_MS = 1_000;
/** Renewals every 20 s: a cancel found by one would take far longer than the bounds below. */
const LEASE_MS = 60_000;
/** Bound with push; without it, one polling interval more. Generous: the machine may be busy. */
const PUSH_LIMIT_MS = 2_000;

/** Registers the cancel latency test; every multi-process backend runs it. */
export function cancelLatencyIntegration(ctx: ServerIntegrationContext): void {
  describe('cancel across processes', () => {
    it('stops a handler cancelled from another process promptly, with reason cancel and no warning', {
      timeout: 120_000,
    }, async () => {
      const { processes, client, storage } = ctx;
      const hasPush = storage.capabilities.crossProcessPush;
      const limitMs = hasPush ? PUSH_LIMIT_MS : POLLING_INTERVAL_MS + PUSH_LIMIT_MS;
      const child = await processes.start('a', {
        workerCount: 2,
        pollingIntervalMs: POLLING_INTERVAL_MS,
        leaseMs: LEASE_MS,
      });
      const latencies: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const id = await client.enqueue(TEST_METHODS.block, { blockIn: 'a', round });
        await processes.waitUntil(() => child.ran(id), `process a to start job ${round}`);
        await client.cancel(id);
        const cancelledAt = performance.now();
        await processes.waitUntil(() => child.abortReason(id) !== null, `the handler of job ${round} to be aborted`, {
          timeoutMs: limitMs + 10_000,
        });
        latencies.push(performance.now() - cancelledAt);
        expect(child.abortReason(id)).toBe('cancel');
        await processes.waitUntil(() => child.emittedCancel(id), `process a to emit jobCancelled for job ${round}`);
        expect(child.reached(id, 'deleted')).toBe(true);
        expect(await storage.get(id)).toMatchObject({ state: 'deleted' });
      }
      const sorted = [...latencies].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
      console.info(
        `[${ctx.harness.name}] cancel() resolved -> handler aborted in another process (${hasPush ? 'push' : `no push, polling ${POLLING_INTERVAL_MS} ms`}), ms: ${latencies.map((ms) => ms.toFixed(1)).join(', ')}; median ${median.toFixed(1)}`,
      );
      expect(Math.max(...latencies)).toBeLessThan(limitMs);
      expect(child.errors).toEqual([]);
      expect(child.logs).toEqual([]);
    });
  });
}
