// lease-writes.ts: conformance of the writes a worker makes under its lease besides finish: `renewLeases`,
// `recordProgress` and `release`. Each is a compare-and-set on (id, leaseId, processing): a stale lease changes nothing.
import { describe, expect, it } from 'vitest';
import type { Lease } from '../../storage.js';
import type { ConformanceContext } from './context.js';
import {
  claim,
  DAY_MS,
  enqueueJob,
  fromNow,
  HOUR_MS,
  LEASE_MS,
  leaseOf,
  mustGet,
  only,
  staleLease,
} from './fixtures.js';
import { claimedJob, claimedJobs, NO_LEASE, reclaimedJob } from './leased-jobs.js';

export function leaseWritesConformance(ctx: ConformanceContext): void {
  describe('renewLeases', () => {
    it('moves only lockedUntil for a live lease, leaving updatedAt as it was', async () => {
      const job = await claimedJob(ctx);
      const lockedUntil = fromNow(ctx, LEASE_MS);
      expect(await ctx.storage.renewLeases({ leases: [leaseOf(job)], lockedUntil })).toEqual([true]);
      expect(await mustGet(ctx.storage, job.id)).toEqual({ ...job, lockedUntil });
    });

    it('returns false and changes nothing when the lease is stale', async () => {
      const job = await claimedJob(ctx);
      const lockedUntil = fromNow(ctx, HOUR_MS);
      expect(await ctx.storage.renewLeases({ leases: [staleLease(job)], lockedUntil })).toEqual([false]);
      expect(await mustGet(ctx.storage, job.id)).toEqual(job);
    });

    it('renews only the live leases of a batch, answering in order', async () => {
      const [a, b, c] = await claimedJobs(ctx);
      const lockedUntil = fromNow(ctx, HOUR_MS);
      const leases: Lease[] = [staleLease(a!), leaseOf(b!), leaseOf(c!)];
      expect(await ctx.storage.renewLeases({ leases, lockedUntil })).toEqual([false, true, true]);
      expect(await mustGet(ctx.storage, a!.id)).toEqual(a);
      expect((await mustGet(ctx.storage, b!.id)).lockedUntil).toEqual(lockedUntil);
      expect((await mustGet(ctx.storage, c!.id)).lockedUntil).toEqual(lockedUntil);
    });

    it('returns false once the job has finished', async () => {
      const job = await claimedJob(ctx);
      expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(job), to: 'succeeded' }] })).toEqual([true]);
      const finished = await mustGet(ctx.storage, job.id);
      expect(await ctx.storage.renewLeases({ leases: [leaseOf(job)], lockedUntil: fromNow(ctx, HOUR_MS) })).toEqual([
        false,
      ]);
      expect(await mustGet(ctx.storage, job.id)).toEqual(finished);
    });

    it('never lets a reclaimed lease extend the new owner', async () => {
      const { old, current } = await reclaimedJob(ctx);
      const lockedUntil = fromNow(ctx, DAY_MS);
      expect(await ctx.storage.renewLeases({ leases: [leaseOf(old)], lockedUntil })).toEqual([false]);
      expect(await mustGet(ctx.storage, old.id)).toEqual(current);
    });
  });

  describe('recordProgress', () => {
    it('stores the progress of a live lease and sets updatedAt to now', async () => {
      const job = await claimedJob(ctx);
      expect(await ctx.storage.recordProgress({ reports: [{ ...leaseOf(job), progress: 42.5 }] })).toEqual([true]);
      expect(await mustGet(ctx.storage, job.id)).toEqual({ ...job, progress: 42.5, updatedAt: ctx.clock.now() });
    });

    it('returns false and changes nothing when the lease is stale', async () => {
      const job = await claimedJob(ctx);
      expect(await ctx.storage.recordProgress({ reports: [{ ...staleLease(job), progress: 99 }] })).toEqual([false]);
      expect(await mustGet(ctx.storage, job.id)).toEqual(job);
    });

    it('records only the live reports of a batch, answering in order', async () => {
      const [a, b, c] = await claimedJobs(ctx);
      const reports = [
        { ...leaseOf(a!), progress: 10 },
        { ...leaseOf(b!), progress: 20 },
        { ...staleLease(c!), progress: 30 },
      ];
      expect(await ctx.storage.recordProgress({ reports })).toEqual([true, true, false]);
      expect((await mustGet(ctx.storage, a!.id)).progress).toBe(10);
      expect((await mustGet(ctx.storage, b!.id)).progress).toBe(20);
      expect(await mustGet(ctx.storage, c!.id)).toEqual(c);
    });

    it('never lets a reclaimed lease report over the new owner', async () => {
      const { old, current } = await reclaimedJob(ctx);
      expect(await ctx.storage.recordProgress({ reports: [{ ...leaseOf(old), progress: 77 }] })).toEqual([false]);
      expect(await mustGet(ctx.storage, old.id)).toEqual(current);
    });
  });

  describe('release', () => {
    it('hands the job back to enqueued with the attempt refunded, runAt kept and the lease dropped', async () => {
      const job = await claimedJob(ctx);
      expect(await ctx.storage.release({ leases: [leaseOf(job)] })).toEqual([true]);
      expect(await mustGet(ctx.storage, job.id)).toEqual({
        ...job,
        ...NO_LEASE,
        state: 'enqueued',
        attempt: 0,
        runAt: job.runAt,
        updatedAt: ctx.clock.now(),
      });
    });

    it('keeps the job its place at the head of its queue', async () => {
      const first = await enqueueJob(ctx, { priority: 1 });
      ctx.clock.advance(1_000);
      const second = await enqueueJob(ctx, { priority: 1 });
      const urgent = await enqueueJob(ctx, { priority: 2 });
      expect(only(await claim(ctx)).id).toBe(urgent.id);
      const claimed = only(await claim(ctx));
      expect(claimed.id).toBe(first.id);
      expect(await ctx.storage.release({ leases: [leaseOf(claimed)] })).toEqual([true]);
      expect(only(await claim(ctx)).id).toBe(first.id);
      expect(only(await claim(ctx)).id).toBe(second.id);
    });

    it('returns false and changes nothing when the lease is stale', async () => {
      const job = await claimedJob(ctx);
      expect(await ctx.storage.release({ leases: [staleLease(job)] })).toEqual([false]);
      expect(await mustGet(ctx.storage, job.id)).toEqual(job);
    });

    it('releases only the live leases of a batch, answering in order', async () => {
      const [a, b, c] = await claimedJobs(ctx);
      expect(await ctx.storage.release({ leases: [leaseOf(a!), staleLease(b!), leaseOf(c!)] })).toEqual([
        true,
        false,
        true,
      ]);
      expect((await mustGet(ctx.storage, a!.id)).state).toBe('enqueued');
      expect(await mustGet(ctx.storage, b!.id)).toEqual(b);
      expect((await mustGet(ctx.storage, c!.id)).state).toBe('enqueued');
    });

    it("never lets a reclaimed lease hand back the new owner's job", async () => {
      const { old, current } = await reclaimedJob(ctx);
      expect(await ctx.storage.release({ leases: [leaseOf(old)] })).toEqual([false]);
      expect(await mustGet(ctx.storage, old.id)).toEqual(current);
    });

    it('returns false for a job that is no longer processing', async () => {
      const job = await claimedJob(ctx);
      const retry = { ...leaseOf(job), to: 'awaiting_retry', runAt: fromNow(ctx, HOUR_MS) } as const;
      expect(await ctx.storage.finish({ outcomes: [retry] })).toEqual([true]);
      const waiting = await mustGet(ctx.storage, job.id);
      expect(await ctx.storage.release({ leases: [leaseOf(job)] })).toEqual([false]);
      expect(await mustGet(ctx.storage, job.id)).toEqual(waiting);
    });
  });
}
