// servers.ts: conformance of the server registry and dead-peer reclaim: `registerServer`, `heartbeatServer`,
// `deregisterServer`, `listServers` and `reclaimDeadServers`, including two peers racing the same reclaim.
import { describe, expect, it } from 'vitest';
import type { Job } from '../../job.js';
import type { ReclaimedServer } from '../../storage.js';
import type { ConformanceContext } from './context.js';
import {
  claim,
  DAY_MS,
  enqueueBatch,
  enqueueJob,
  fromNow,
  jobTotal,
  leaseOf,
  makeServerInfo,
  mustGet,
  only,
  sortedIds,
} from './fixtures.js';

const DEAD_AFTER_MS = 30_000;

/** Registers a server at the clock's now and claims `jobCount` jobs under its id. */
async function serverWithJobs(ctx: ConformanceContext, serverId: string, jobCount: number): Promise<Job[]> {
  await ctx.storage.registerServer(makeServerInfo(serverId, ctx.clock.now()));
  if (jobCount === 0) return [];
  await enqueueBatch(ctx, jobCount);
  const claimed = await claim(ctx, { serverId, limit: jobCount });
  expect(claimed).toHaveLength(jobCount);
  return claimed;
}

/** Reclaims servers silent for longer than DEAD_AFTER_MS at the clock's now. */
function reclaim(ctx: ConformanceContext, storage = ctx.storage, failedExpiresAt: Date | null = null) {
  return storage.reclaimDeadServers({ before: fromNow(ctx, -DEAD_AFTER_MS), failedExpiresAt });
}

/** Reclaimed servers sorted by id, each with its jobs sorted by id. */
function sortedReclaims(reclaimed: readonly ReclaimedServer[]): ReclaimedServer[] {
  return [...reclaimed]
    .sort((a, b) => (a.serverId < b.serverId ? -1 : 1))
    .map((server) => ({ ...server, jobs: [...server.jobs].sort((a, b) => (a.id < b.id ? -1 : 1)) }));
}

export function serversConformance(ctx: ConformanceContext): void {
  describe('registerServer', () => {
    it('stores every field of the server', async () => {
      const info = makeServerInfo('jobsmith#1', ctx.clock.now());
      await ctx.storage.registerServer(info);
      expect(await ctx.storage.listServers()).toEqual([info]);
    });

    it('replaces the row of a server registered again', async () => {
      await ctx.storage.registerServer(makeServerInfo('jobsmith#1', ctx.clock.now()));
      ctx.clock.advance(1_000);
      const again = { ...makeServerInfo('jobsmith#1', ctx.clock.now()), workerCount: 16, queues: ['critical'] };
      await ctx.storage.registerServer(again);
      expect(await ctx.storage.listServers()).toEqual([again]);
    });
  });

  describe('listServers', () => {
    it('lists servers ordered by id', async () => {
      for (const id of ['jobsmith#c', 'jobsmith#a', 'jobsmith#b']) {
        await ctx.storage.registerServer(makeServerInfo(id, ctx.clock.now()));
      }
      expect((await ctx.storage.listServers()).map((server) => server.id)).toEqual([
        'jobsmith#a',
        'jobsmith#b',
        'jobsmith#c',
      ]);
    });

    it('returns an empty array when no server is registered', async () => {
      expect(await ctx.storage.listServers()).toEqual([]);
    });
  });

  describe('heartbeatServer', () => {
    it('stamps lastHeartbeatAt with now and returns true', async () => {
      const info = makeServerInfo('jobsmith#1', ctx.clock.now());
      await ctx.storage.registerServer(info);
      ctx.clock.advance(5_000);
      expect(await ctx.storage.heartbeatServer('jobsmith#1')).toBe(true);
      expect(await ctx.storage.listServers()).toEqual([{ ...info, lastHeartbeatAt: ctx.clock.now() }]);
    });

    it('returns false and registers nothing for an unknown server', async () => {
      expect(await ctx.storage.heartbeatServer('jobsmith#ghost')).toBe(false);
      expect(await ctx.storage.listServers()).toEqual([]);
    });
  });

  describe('deregisterServer', () => {
    it('removes the server', async () => {
      await ctx.storage.registerServer(makeServerInfo('jobsmith#1', ctx.clock.now()));
      await ctx.storage.registerServer(makeServerInfo('jobsmith#2', ctx.clock.now()));
      await ctx.storage.deregisterServer('jobsmith#1');
      expect((await ctx.storage.listServers()).map((server) => server.id)).toEqual(['jobsmith#2']);
      expect(await ctx.storage.heartbeatServer('jobsmith#1')).toBe(false);
    });

    it('leaves the registry as it was for an unknown server', async () => {
      const info = makeServerInfo('jobsmith#1', ctx.clock.now());
      await ctx.storage.registerServer(info);
      await ctx.storage.deregisterServer('jobsmith#ghost');
      expect(await ctx.storage.listServers()).toEqual([info]);
    });
  });

  describe('reclaimDeadServers', () => {
    it("requeues only the dead server's processing jobs, keeping their attempt, and removes the server", async () => {
      const deadJobs = await serverWithJobs(ctx, 'jobsmith#dead', 2);
      const aliveJobs = await serverWithJobs(ctx, 'jobsmith#alive', 1);
      const waiting = await enqueueJob(ctx);
      ctx.clock.advance(DEAD_AFTER_MS + 1_000);
      expect(await ctx.storage.heartbeatServer('jobsmith#alive')).toBe(true);

      const reclaimed = sortedReclaims(await reclaim(ctx));
      const now = ctx.clock.now();
      expect(reclaimed.map((server) => server.serverId)).toEqual(['jobsmith#dead']);
      expect(only(reclaimed).jobs.map((job) => job.id)).toEqual(sortedIds(deadJobs));
      for (const job of only(reclaimed).jobs) {
        const before = deadJobs.find((dead) => dead.id === job.id);
        expect(job).toEqual({
          ...before,
          state: 'enqueued',
          runAt: now,
          updatedAt: now,
          leaseId: null,
          lockedBy: null,
          lockedUntil: null,
        });
        expect(await mustGet(ctx.storage, job.id)).toEqual(job);
      }
      expect(await mustGet(ctx.storage, only(aliveJobs).id)).toEqual(only(aliveJobs));
      expect(await mustGet(ctx.storage, waiting.id)).toEqual(waiting);
      expect((await ctx.storage.listServers()).map((server) => server.id)).toEqual(['jobsmith#alive']);
    });

    it('makes a heartbeat of the reclaimed server return false', async () => {
      await serverWithJobs(ctx, 'jobsmith#dead', 1);
      ctx.clock.advance(DEAD_AFTER_MS + 1);
      expect(await reclaim(ctx)).toHaveLength(1);
      expect(await ctx.storage.heartbeatServer('jobsmith#dead')).toBe(false);
      expect(await ctx.storage.listServers()).toEqual([]);
    });

    it("fences the dead server's leases", async () => {
      const [job] = await serverWithJobs(ctx, 'jobsmith#dead', 1);
      ctx.clock.advance(DEAD_AFTER_MS + 1);
      expect(await reclaim(ctx)).toHaveLength(1);
      const requeued = await mustGet(ctx.storage, job!.id);
      expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(job!), to: 'succeeded' }] })).toEqual([false]);
      expect(await mustGet(ctx.storage, job!.id)).toEqual(requeued);
    });

    it('removes a dead server with no jobs and reports it with none', async () => {
      await serverWithJobs(ctx, 'jobsmith#idle', 0);
      ctx.clock.advance(DEAD_AFTER_MS + 1);
      expect(await reclaim(ctx)).toEqual([{ serverId: 'jobsmith#idle', jobs: [] }]);
      expect(await ctx.storage.listServers()).toEqual([]);
    });

    it('fails a reclaimed job that has no attempt left, naming the dead server', async () => {
      await ctx.storage.registerServer(makeServerInfo('jobsmith#dead', ctx.clock.now()));
      const job = await enqueueJob(ctx, { maxAttempts: 1 });
      expect(only(await claim(ctx, { serverId: 'jobsmith#dead' })).id).toBe(job.id);
      ctx.clock.advance(DEAD_AFTER_MS + 1);
      const failedExpiresAt = fromNow(ctx, 7 * DAY_MS);
      const failed = only(only(await reclaim(ctx, ctx.storage, failedExpiresAt)).jobs);
      expect(failed).toMatchObject({
        id: job.id,
        state: 'failed',
        attempt: 1,
        finishedAt: ctx.clock.now(),
        updatedAt: ctx.clock.now(),
        expiresAt: failedExpiresAt,
        leaseId: null,
        lockedBy: null,
        lastError: { name: 'LeaseExpiredError', message: expect.stringContaining('jobsmith#dead') },
      });
      expect(await mustGet(ctx.storage, job.id)).toEqual(failed);
    });

    it('spares a server whose heartbeat is newer than before', async () => {
      await serverWithJobs(ctx, 'jobsmith#slow', 1);
      ctx.clock.advance(DEAD_AFTER_MS - 1);
      expect(await reclaim(ctx)).toEqual([]);
      expect((await ctx.storage.listServers()).map((server) => server.id)).toEqual(['jobsmith#slow']);
      expect((await ctx.storage.counts()).byState.processing).toBe(1);
    });

    it('reclaims each job exactly once when two peers race it', async () => {
      const owned = new Map<string, string[]>();
      for (let server = 0; server < 4; server++) {
        const serverId = `jobsmith#dead-${server}`;
        owned.set(serverId, sortedIds(await serverWithJobs(ctx, serverId, 25)));
      }
      await serverWithJobs(ctx, 'jobsmith#dead-idle', 0);
      ctx.clock.advance(DEAD_AFTER_MS + 1);
      const [a, b] = await Promise.all([ctx.connectPeer(), ctx.connectPeer()]);

      const results = await Promise.all([reclaim(ctx, a), reclaim(ctx, b), reclaim(ctx, a), reclaim(ctx, b)]);
      const reclaimed = sortedReclaims(results.flat());
      expect(reclaimed.map((server) => server.serverId)).toEqual([...owned.keys(), 'jobsmith#dead-idle'].sort());
      for (const server of reclaimed) {
        expect(server.jobs.map((job) => job.id)).toEqual(owned.get(server.serverId) ?? []);
        for (const job of server.jobs) expect(job).toMatchObject({ state: 'enqueued', attempt: 1 });
      }
      expect((await ctx.storage.counts()).byState).toMatchObject({ enqueued: 100, processing: 0 });
      expect(await jobTotal(ctx.storage)).toBe(100);
      expect(await reclaim(ctx)).toEqual([]);
    });
  });
}
