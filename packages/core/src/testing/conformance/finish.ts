// finish.ts: conformance of `finish`, the fenced write that ends an attempt: a compare-and-set on (id, leaseId,
// processing) per outcome, so a stale lease changes nothing. The other writes under a lease are in lease-writes.ts.
import { describe, expect, it } from 'vitest';
import { randomId, uuidv7 } from '../../ids.js';
import type { ConformanceContext } from './context.js';
import { claim, DAY_MS, fromNow, HOUR_MS, jobTotal, leaseOf, mustGet, only, staleLease } from './fixtures.js';
import { claimedJob, claimedJobs, claimedRetriedJob, NO_LEASE, reclaimedJob } from './leased-jobs.js';

export function finishConformance(ctx: ConformanceContext): void {
  describe('finish', () => {
    it('moves a job to succeeded with its result, finishedAt and expiresAt, and drops the lease', async () => {
      const job = await claimedJob(ctx);
      const expiresAt = fromNow(ctx, DAY_MS);
      const outcome = { ...leaseOf(job), to: 'succeeded', result: '{"sent":true,"n":[1,2]}', expiresAt } as const;
      expect(await ctx.storage.finish({ outcomes: [outcome] })).toEqual([true]);
      const now = ctx.clock.now();
      expect(await mustGet(ctx.storage, job.id)).toEqual({
        ...job,
        ...NO_LEASE,
        state: 'succeeded',
        result: { sent: true, n: [1, 2] },
        finishedAt: now,
        expiresAt,
        updatedAt: now,
      });
    });

    it('moves a job to failed with its error, finishedAt and expiresAt', async () => {
      const job = await claimedJob(ctx);
      const error = {
        name: 'TypeError',
        message: 'bad thing',
        stack: 'TypeError: bad thing\n    at handler (x.ts:1:1)',
      };
      const expiresAt = fromNow(ctx, 7 * DAY_MS);
      expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(job), to: 'failed', error, expiresAt }] })).toEqual([
        true,
      ]);
      const now = ctx.clock.now();
      expect(await mustGet(ctx.storage, job.id)).toEqual({
        ...job,
        ...NO_LEASE,
        state: 'failed',
        lastError: error,
        finishedAt: now,
        expiresAt,
        updatedAt: now,
      });
    });

    it('moves a job to awaiting_retry with its error and next runAt, unfinished', async () => {
      const job = await claimedJob(ctx);
      const error = { name: 'Error', message: 'flaky' };
      const runAt = fromNow(ctx, 4_321);
      expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(job), to: 'awaiting_retry', error, runAt }] })).toEqual(
        [true],
      );
      expect(await mustGet(ctx.storage, job.id)).toEqual({
        ...job,
        ...NO_LEASE,
        state: 'awaiting_retry',
        lastError: error,
        runAt,
        finishedAt: null,
        expiresAt: null,
        updatedAt: ctx.clock.now(),
      });
    });

    it('moves a job to scheduled with its attempt refunded, its runAt, and lastError kept (a snooze)', async () => {
      const job = await claimedRetriedJob(ctx);
      const runAt = fromNow(ctx, HOUR_MS);
      expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(job), to: 'scheduled', runAt }] })).toEqual([true]);
      expect(await mustGet(ctx.storage, job.id)).toEqual({
        ...job,
        ...NO_LEASE,
        state: 'scheduled',
        attempt: job.attempt - 1,
        runAt,
        finishedAt: null,
        expiresAt: null,
        result: null,
        updatedAt: ctx.clock.now(),
      });
      expect((await ctx.storage.counts()).byState).toMatchObject({ scheduled: 1, processing: 0 });
    });

    it('returns false and changes nothing when the lease of a snooze is stale', async () => {
      const job = await claimedJob(ctx);
      const snooze = { ...staleLease(job), to: 'scheduled', runAt: fromNow(ctx, HOUR_MS) } as const;
      expect(await ctx.storage.finish({ outcomes: [snooze] })).toEqual([false]);
      expect(await mustGet(ctx.storage, job.id)).toEqual(job);
    });

    it('promotes a snoozed job at its runAt, and its next claim runs the same attempt again', async () => {
      const job = await claimedJob(ctx);
      const runAt = fromNow(ctx, 5_000);
      expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(job), to: 'scheduled', runAt }] })).toEqual([true]);
      expect(await claim(ctx)).toEqual([]);
      expect(await ctx.storage.promoteDue({ now: fromNow(ctx, 4_999), limit: 10 })).toEqual([]);
      ctx.clock.set(runAt);
      const moved = only(await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 }));
      expect(moved).toMatchObject({ from: 'scheduled', job: { id: job.id, state: 'enqueued', attempt: 0, runAt } });
      expect(only(await claim(ctx))).toMatchObject({ id: job.id, state: 'processing', attempt: job.attempt });
    });

    it('writes the given now as updatedAt (and finishedAt of a finished job) instead of reading its clock', async () => {
      const [done, retried] = [await claimedJob(ctx), await claimedJob(ctx)];
      const now = fromNow(ctx, -1_234);
      const runAt = fromNow(ctx, 60_000);
      const outcomes = [
        { ...leaseOf(done), to: 'succeeded' as const, result: '1' },
        { ...leaseOf(retried), to: 'awaiting_retry' as const, error: { message: 'again' }, runAt },
      ];
      expect(await ctx.storage.finish({ outcomes, now })).toEqual([true, true]);
      expect(await mustGet(ctx.storage, done.id)).toMatchObject({ updatedAt: now, finishedAt: now });
      expect(await mustGet(ctx.storage, retried.id)).toMatchObject({ updatedAt: now, finishedAt: null, runAt });
    });

    it('stores no lastError for a retry that carries none, even after a failed attempt', async () => {
      const job = await claimedJob(ctx);
      const first = {
        ...leaseOf(job),
        to: 'awaiting_retry' as const,
        error: { message: 'flaky' },
        runAt: ctx.clock.now(),
      };
      expect(await ctx.storage.finish({ outcomes: [first] })).toEqual([true]);
      expect(await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 })).toHaveLength(1);
      const again = only(await claim(ctx));
      const runAt = fromNow(ctx, 1_000);
      expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(again), to: 'awaiting_retry', runAt }] })).toEqual([
        true,
      ]);
      expect(await mustGet(ctx.storage, job.id)).toMatchObject({ state: 'awaiting_retry', lastError: null, runAt });
    });

    it('keeps a finished job without expiry when expiresAt is null', async () => {
      const job = await claimedJob(ctx);
      expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(job), to: 'succeeded', expiresAt: null }] })).toEqual([
        true,
      ]);
      expect(await mustGet(ctx.storage, job.id)).toMatchObject({ state: 'succeeded', expiresAt: null, result: null });
    });

    it('deletes the job in the same write when purge is set, and still returns true', async () => {
      const [a, b] = await claimedJobs(ctx);
      const outcomes = [
        { ...leaseOf(a!), to: 'succeeded', result: '1', purge: true },
        { ...leaseOf(b!), to: 'failed', error: { message: 'no' }, purge: true },
      ] as const;
      expect(await ctx.storage.finish({ outcomes: [...outcomes] })).toEqual([true, true]);
      expect(await ctx.storage.get(a!.id)).toBeNull();
      expect(await ctx.storage.get(b!.id)).toBeNull();
      expect(await jobTotal(ctx.storage)).toBe(1);
    });

    it('purges only the live outcomes of a purge batch, each job once, answering in order', async () => {
      const [a, b, c] = await claimedJobs(ctx);
      const results = await ctx.storage.finish({
        outcomes: [
          { ...leaseOf(a!), to: 'succeeded', purge: true },
          { ...staleLease(b!), to: 'succeeded', purge: true },
          { ...leaseOf(c!), to: 'failed', error: { message: 'x' }, purge: true },
          { ...leaseOf(a!), to: 'succeeded', purge: true },
        ],
      });
      expect(results).toEqual([true, false, true, false]);
      expect(await ctx.storage.get(a!.id)).toBeNull();
      expect(await mustGet(ctx.storage, b!.id)).toEqual(b);
      expect(await ctx.storage.get(c!.id)).toBeNull();
    });

    it('returns false and changes nothing when the lease is stale', async () => {
      const job = await claimedJob(ctx);
      expect(await ctx.storage.finish({ outcomes: [{ ...staleLease(job), to: 'succeeded', result: '2' }] })).toEqual([
        false,
      ]);
      expect(await mustGet(ctx.storage, job.id)).toEqual(job);
    });

    it('returns false for a job that already finished, keeping its first outcome', async () => {
      const job = await claimedJob(ctx);
      expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(job), to: 'succeeded', result: '"first"' }] })).toEqual(
        [true],
      );
      const finished = await mustGet(ctx.storage, job.id);
      ctx.clock.advance(1_000);
      const second = { ...leaseOf(job), to: 'failed', error: { message: 'second' } } as const;
      expect(await ctx.storage.finish({ outcomes: [second] })).toEqual([false]);
      expect(await mustGet(ctx.storage, job.id)).toEqual(finished);
    });

    it('returns false for an unknown job', async () => {
      const lease = { id: uuidv7(ctx.clock.now().getTime()), leaseId: randomId() };
      expect(await ctx.storage.finish({ outcomes: [{ ...lease, to: 'succeeded' }] })).toEqual([false]);
      expect(await ctx.storage.get(lease.id)).toBeNull();
      expect(await jobTotal(ctx.storage)).toBe(0);
    });

    it('applies only the live outcomes of a batch with stale entries, answering in order', async () => {
      const [a, b, c] = await claimedJobs(ctx);
      const results = await ctx.storage.finish({
        outcomes: [
          { ...leaseOf(a!), to: 'succeeded' },
          { ...staleLease(b!), to: 'succeeded' },
          { ...leaseOf(c!), to: 'failed', error: { message: 'x' } },
        ],
      });
      expect(results).toEqual([true, false, true]);
      expect((await mustGet(ctx.storage, a!.id)).state).toBe('succeeded');
      expect(await mustGet(ctx.storage, b!.id)).toEqual(b);
      expect((await mustGet(ctx.storage, c!.id)).state).toBe('failed');
    });

    it('never lets a reclaimed lease write over the new owner', async () => {
      const { old, current } = await reclaimedJob(ctx);
      const late = { ...leaseOf(old), to: 'succeeded', result: '"late"' } as const;
      expect(await ctx.storage.finish({ outcomes: [late] })).toEqual([false]);
      expect(await mustGet(ctx.storage, old.id)).toEqual(current);
      expect(
        await ctx.storage.finish({ outcomes: [{ ...leaseOf(current), to: 'succeeded', result: '"mine"' }] }),
      ).toEqual([true]);
      expect(await mustGet(ctx.storage, old.id)).toMatchObject({ state: 'succeeded', result: 'mine' });
    });
  });
}
