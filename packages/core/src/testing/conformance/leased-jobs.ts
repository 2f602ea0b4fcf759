// leased-jobs.ts: the jobs the fenced-write conformance files start from: claimed under a lease (the clock moved on,
// so writes stamp a later time than the claim), retried once, or reclaimed after a lapsed lease.
import { expect } from 'vitest';
import type { Job } from '../../job.js';
import type { ConformanceContext } from './context.js';
import { claim, claimJob, enqueueBatch, enqueueJob, fromNow, LEASE_MS, leaseOf, mustGet } from './fixtures.js';

/** A job claimed under a lease, with the clock moved on so writes stamp a later time than the claim. */
export async function claimedJob(ctx: ConformanceContext): Promise<Job> {
  const claimed = await claimJob(ctx, await enqueueJob(ctx));
  ctx.clock.advance(2_000);
  return claimed;
}

/** Three claimed jobs, oldest first. */
export async function claimedJobs(ctx: ConformanceContext): Promise<Job[]> {
  await enqueueBatch(ctx, 3);
  const claimed = await claim(ctx, { limit: 3 });
  expect(claimed).toHaveLength(3);
  ctx.clock.advance(2_000);
  return [...claimed].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** A job whose first attempt failed into awaiting_retry (lastError set), promoted and claimed again at attempt 2. */
export async function claimedRetriedJob(ctx: ConformanceContext): Promise<Job> {
  const first = await claimedJob(ctx);
  const retry = {
    to: 'awaiting_retry',
    error: { name: 'Error', message: 'flaky' },
    runAt: fromNow(ctx, 1_000),
  } as const;
  expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(first), ...retry }] })).toEqual([true]);
  ctx.clock.advance(1_000);
  expect(await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 })).toHaveLength(1);
  const again = await claimJob(ctx, await mustGet(ctx.storage, first.id));
  expect(again).toMatchObject({ attempt: 2, lastError: retry.error });
  ctx.clock.advance(2_000);
  return again;
}

/** The fields that say a job is no longer leased. */
export const NO_LEASE = { leaseId: null, lockedBy: null, lockedUntil: null } as const;

/** Claims a job, lets its lease lapse, requeues it, and claims it again: returns the old and the new claim. */
export async function reclaimedJob(ctx: ConformanceContext): Promise<{ old: Job; current: Job }> {
  const old = await claimedJob(ctx);
  ctx.clock.advance(LEASE_MS);
  const moved = await ctx.storage.requeueExpiredLeases({ now: ctx.clock.now(), limit: 10, failedExpiresAt: null });
  expect(moved.map((m) => m.job.id)).toEqual([old.id]);
  const current = await claimJob(ctx, await mustGet(ctx.storage, old.id));
  expect(current.attempt).toBe(2);
  return { old, current };
}
