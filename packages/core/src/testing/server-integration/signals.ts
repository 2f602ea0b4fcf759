// signals.ts: a server process that leaves signal handling to jobsmith (`handleSignals`, the default) gets SIGTERM
// while it runs a job: the server stops gracefully, its job goes back to `enqueued` with the attempt refunded, and
// the process exits 0 by itself. A second signal while a handler refuses to return exits at once. Real processes and
// real signals, since that is what is under test.
import { describe, expect, it } from 'vitest';
import type { ChildServerConfig } from '../process-kit/protocol.js';
import { type BlockPayload, TEST_METHODS } from '../process-kit/test-handlers.js';
import type { ServerIntegrationContext } from './context.js';

const CONFIG: ChildServerConfig = { handleSignals: true, workerCount: 2, pollingIntervalMs: 200 };

/** Registers the signal tests: SIGTERM mid-job, and SIGTERM twice with a handler that ignores its signal. */
export function signalsIntegration(ctx: ServerIntegrationContext): void {
  describe('a server process with the default signal handling', () => {
    it('stops on SIGTERM: the running job is handed back with the attempt refunded and the process exits 0', {
      timeout: 60_000,
    }, async () => {
      const { processes, client, storage } = ctx;
      const child = await processes.start('a', { ...CONFIG, shutdownTimeoutMs: 10_000 });
      const payload: BlockPayload = { blockIn: child.name };
      const id = await client.enqueue(TEST_METHODS.block, payload);
      await processes.waitUntil(() => child.ran(id), 'process a to start the job');
      expect(await client.get(id)).toMatchObject({ state: 'processing', attempt: 1 });

      const signalledAt = performance.now();
      const exit = await child.kill('SIGTERM');
      const exitedAfterMs = performance.now() - signalledAt;

      expect(exit).toEqual({ code: 0, signal: null });
      // The block handler returns as soon as its signal fires: nothing waits for shutdownTimeoutMs.
      expect(exitedAfterMs).toBeLessThan(5_000);
      expect(child.reached(id, 'enqueued')).toBe(true);
      expect(await client.get(id)).toMatchObject({ state: 'enqueued', attempt: 0, lockedBy: null, leaseId: null });
      expect((await storage.listServers()).map((server) => server.id)).not.toContain(child.serverId);
    });

    it('exits at once on a second SIGTERM while a handler ignores its signal', { timeout: 60_000 }, async () => {
      const { processes, client } = ctx;
      const child = await processes.start('a', { ...CONFIG, shutdownTimeoutMs: 60_000 });
      const payload: BlockPayload = { blockIn: child.name, ignoreSignal: true };
      const id = await client.enqueue(TEST_METHODS.block, payload);
      await processes.waitUntil(() => child.ran(id), 'process a to start the job');

      child.signalled = true;
      child.child.kill('SIGTERM');
      // The first signal starts a stop that would wait up to shutdownTimeoutMs for the stubborn handler.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(child.exit).toBeNull();
      const signalledAt = performance.now();
      const exit = await child.kill('SIGTERM');
      const exitedAfterMs = performance.now() - signalledAt;

      expect(exit).toEqual({ code: 128 + 15, signal: null });
      expect(exitedAfterMs).toBeLessThan(5_000);
      // Exited mid-job: the job stays claimed until its lease lapses or a peer reclaims the silent server.
      expect(await client.get(id)).toMatchObject({ state: 'processing', attempt: 1 });
    });
  });
}
