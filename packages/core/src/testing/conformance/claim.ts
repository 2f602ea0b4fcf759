// claim.ts: conformance of `fetchAndLock`: what a claim stamps, which jobs it takes (due, in the asked queues), in
// which order (priority desc, runAt asc, id asc), and that no job goes to two callers even under heavy racing.
import { describe, expect, it } from 'vitest';
import { JOB_STATES, type Job } from '../../job.js';
import type { Storage } from '../../storage.js';
import type { NewJobOverrides } from '../new-job.js';
import type { ConformanceContext } from './context.js';
import {
  claim,
  claimJob,
  enqueueBatch,
  enqueueJob,
  fromNow,
  HOUR_MS,
  jobsIn,
  LEASE_MS,
  leaseOf,
  mustGet,
  only,
  sortedIds,
} from './fixtures.js';

/** A spread of priorities, repeating and out of order, so FIFO within a priority is exercised. */
function priorityAt(index: number): number {
  return [0, 5, -3, 5, 0, 10, -3, 0][index % 8] as number;
}

/** The order a correct backend claims `jobs` in, given they were enqueued in this order with equal runAt. */
function claimOrder(jobs: readonly { id: string; priority: number }[]): string[] {
  return [...jobs].sort((a, b) => b.priority - a.priority).map((job) => job.id);
}

/**
 * Claims until empty with limits cycling through 1..7, checking that each batch is exactly the next `limit` ids of
 * `expected` (as a set: the contract orders which jobs are taken, not the array they come back in).
 */
async function expectClaimedInOrder(ctx: ConformanceContext, expected: readonly string[]): Promise<void> {
  let next = 0;
  for (let call = 0; next < expected.length; call++) {
    const limit = 1 + (call % 7);
    const batch = await claim(ctx, { limit });
    expect(sortedIds(batch)).toEqual(expected.slice(next, next + limit).sort());
    next += batch.length;
  }
  expect(await claim(ctx, { limit: 7 })).toEqual([]);
}

interface ClaimCall {
  serverId: string;
  limit: number;
  jobs: Job[];
}

/** One racing caller: claims with a varying limit until a call comes back empty, logging every call. */
async function drain(storage: Storage, serverId: string, seed: number, log: ClaimCall[]): Promise<void> {
  for (let call = 0; ; call++) {
    const limit = 1 + ((seed + call) % 7);
    const jobs = await storage.fetchAndLock({ serverId, queues: [], limit, leaseMs: LEASE_MS });
    log.push({ serverId, limit, jobs });
    if (jobs.length === 0) return;
  }
}

export function claimConformance(ctx: ConformanceContext): void {
  describe('fetchAndLock', () => {
    it('moves the job to processing and stamps the attempt, lease and times', async () => {
      const job = await enqueueJob(ctx);
      ctx.clock.advance(1_500);
      const claimed = only(await claim(ctx, { serverId: 'conformance#server-b', leaseMs: 12_345 }));
      const now = ctx.clock.now();
      const expected = {
        ...job,
        state: 'processing',
        attempt: 1,
        leaseId: expect.any(String),
        lockedBy: 'conformance#server-b',
        lockedUntil: new Date(now.getTime() + 12_345),
        startedAt: now,
        updatedAt: now,
      };
      expect(claimed).toEqual(expected);
      expect(await mustGet(ctx.storage, job.id)).toEqual({ ...expected, leaseId: claimed.leaseId });
    });

    it('returns an empty array when no job is enqueued', async () => {
      await enqueueJob(ctx, { state: 'scheduled', runAt: fromNow(ctx, 1_000) });
      expect(await claim(ctx, { limit: 10 })).toEqual([]);
    });

    it('claims at most limit jobs per call', async () => {
      await enqueueBatch(ctx, 5);
      expect(await claim(ctx, { limit: 3 })).toHaveLength(3);
      expect(await claim(ctx, { limit: 3 })).toHaveLength(2);
      expect(await claim(ctx, { limit: 3 })).toHaveLength(0);
    });

    it('claims by priority, then in enqueue order, from one batch', async () => {
      const jobs = await enqueueBatch(ctx, 40, (index) => ({ priority: priorityAt(index) }));
      await expectClaimedInOrder(ctx, claimOrder(jobs));
    });

    it('claims by priority, then in enqueue order, across several batches', async () => {
      const jobs = [];
      for (let batch = 0; batch < 8; batch++) {
        jobs.push(...(await enqueueBatch(ctx, 5, (index) => ({ priority: priorityAt(batch * 3 + index) }))));
      }
      await expectClaimedInOrder(ctx, claimOrder(jobs));
    });

    it('claims the earlier runAt first within a priority, whatever the ids', async () => {
      const later = await enqueueJob(ctx);
      const earlier = await enqueueJob(ctx, { runAt: fromNow(ctx, -1_000) });
      expect(earlier.id > later.id).toBe(true);
      expect(only(await claim(ctx)).id).toBe(earlier.id);
      expect(only(await claim(ctx)).id).toBe(later.id);
    });

    it('claims a higher priority first whatever its runAt', async () => {
      const old = await enqueueJob(ctx, { runAt: fromNow(ctx, -60_000) });
      const urgent = await enqueueJob(ctx, { priority: 1 });
      expect(only(await claim(ctx)).id).toBe(urgent.id);
      expect(only(await claim(ctx)).id).toBe(old.id);
    });

    it('leaves scheduled jobs alone until promoteDue enqueues them at their due time', async () => {
      const due = await enqueueJob(ctx);
      const scheduled = await enqueueJob(ctx, { state: 'scheduled', runAt: fromNow(ctx, 1_000) });
      expect(sortedIds(await claim(ctx, { limit: 10 }))).toEqual([due.id]);
      ctx.clock.advance(999);
      expect(await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 })).toEqual([]);
      ctx.clock.advance(1);
      expect(await claim(ctx, { limit: 10 })).toEqual([]);
      expect((await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 })).map((m) => m.job.id)).toEqual([
        scheduled.id,
      ]);
      expect(only(await claim(ctx, { limit: 10 })).id).toBe(scheduled.id);
    });

    it('claims only from the queues asked for', async () => {
      const [a, b, c] = await enqueueBatch(ctx, 3, (index) => ({ queue: ['a', 'b', 'c'][index] as string }));
      const claimed = await claim(ctx, { queues: ['a', 'c', 'missing'], limit: 10 });
      expect(sortedIds(claimed)).toEqual(sortedIds([a!, c!]));
      expect((await mustGet(ctx.storage, b!.id)).state).toBe('enqueued');
    });

    it('claims from every queue when queues is empty', async () => {
      const jobs = await enqueueBatch(ctx, 3, (index) => ({ queue: ['a', 'b', 'c'][index] as string }));
      expect(sortedIds(await claim(ctx, { queues: [], limit: 10 }))).toEqual(sortedIds(jobs));
    });

    it('increments the attempt on every claim', async () => {
      const job = await enqueueJob(ctx);
      for (let attempt = 1; attempt <= 3; attempt++) {
        const claimed = await claimJob(ctx, job);
        expect(claimed.attempt).toBe(attempt);
        const retry = { ...leaseOf(claimed), to: 'awaiting_retry', runAt: ctx.clock.now() } as const;
        expect(await ctx.storage.finish({ outcomes: [retry] })).toEqual([true]);
        expect(await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 1 })).toHaveLength(1);
      }
    });

    it('issues a fresh leaseId on every claim, even after a release refunds the attempt', async () => {
      const job = await enqueueJob(ctx);
      const first = await claimJob(ctx, job);
      expect(await ctx.storage.release({ leases: [leaseOf(first)] })).toEqual([true]);
      const second = await claimJob(ctx, job);
      expect(second.attempt).toBe(1);
      expect(second.leaseId).toEqual(expect.any(String));
      expect(second.leaseId).not.toBe(first.leaseId);
    });

    it('claims each of 600 jobs exactly once while 3 peers x 8 callers race', async () => {
      const enqueued: string[] = [];
      for (let batch = 0; batch < 6; batch++) {
        const overrides = (index: number): NewJobOverrides => ({ priority: priorityAt(index), queue: `q${index % 3}` });
        enqueued.push(...(await enqueueBatch(ctx, 100, overrides)).map((job) => job.id));
      }
      const peers = await Promise.all([0, 1, 2].map(() => ctx.connectPeer()));
      const log: ClaimCall[] = [];
      await Promise.all(
        peers.flatMap((peer, p) => Array.from({ length: 8 }, (_, c) => drain(peer, `server-${p}`, p * 8 + c, log))),
      );

      const claimed = log.flatMap((call) => call.jobs);
      for (const call of log) {
        expect(call.jobs.length).toBeLessThanOrEqual(call.limit);
        for (const job of call.jobs)
          expect(job).toMatchObject({ state: 'processing', attempt: 1, lockedBy: call.serverId });
      }
      expect(sortedIds(claimed)).toEqual([...enqueued].sort());
      expect(new Set(claimed.map((job) => job.leaseId)).size).toBe(enqueued.length);
      const counts = await ctx.storage.counts();
      expect(counts.byState).toMatchObject({ processing: 600, enqueued: 0 });
    });

    it('claims only enqueued jobs, never one in another state even when its runAt has passed', async () => {
      await jobsIn(
        ctx,
        JOB_STATES.filter((state) => state !== 'enqueued'),
      );
      ctx.clock.advance(2 * HOUR_MS);
      expect(await claim(ctx, { limit: 10 })).toEqual([]);
    });
  });
}
