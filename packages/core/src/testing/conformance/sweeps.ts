// sweeps.ts: conformance of the time-driven sweeps: `promoteDue`, `requeueExpiredLeases` and `purgeExpired`. Each
// moves only what is due at the `now` it is given, at most `limit` jobs, earliest first.
import { describe, expect, it } from 'vitest';
import { FINISHED_STATES, type Job } from '../../job.js';
import type { ConformanceContext } from './context.js';
import {
  claim,
  claimJob,
  DAY_MS,
  enqueueBatch,
  enqueueJob,
  fromNow,
  HOUR_MS,
  jobIn,
  jobsIn,
  jobTotal,
  LEASE_MS,
  leaseOf,
  mustGet,
  only,
  UNFINISHED_STATES,
} from './fixtures.js';

/** Scheduled jobs due at each offset (ms from now), enqueued in the order given. */
async function scheduledAt(ctx: ConformanceContext, offsetsMs: readonly number[]): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const offset of offsetsMs) jobs.push(await enqueueJob(ctx, { state: 'scheduled', runAt: fromNow(ctx, offset) }));
  return jobs;
}

/** A succeeded job that may be purged `expiresInMs` from now (null: never). */
async function succeededExpiringIn(ctx: ConformanceContext, expiresInMs: number | null): Promise<Job> {
  const claimed = await claimJob(ctx, await enqueueJob(ctx));
  const expiresAt = expiresInMs === null ? null : fromNow(ctx, expiresInMs);
  expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(claimed), to: 'succeeded', expiresAt }] })).toEqual([true]);
  return mustGet(ctx.storage, claimed.id);
}

/** Runs requeueExpiredLeases at the clock's now. */
function requeue(ctx: ConformanceContext, limit = 100, failedExpiresAt: Date | null = null) {
  return ctx.storage.requeueExpiredLeases({ now: ctx.clock.now(), limit, failedExpiresAt });
}

export function sweepsConformance(ctx: ConformanceContext): void {
  describe('promoteDue', () => {
    it('enqueues due scheduled jobs with runAt kept, reporting where each came from', async () => {
      const [soon, later] = await scheduledAt(ctx, [1_000, 5_000]);
      ctx.clock.advance(2_000);
      const moved = await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 });
      expect(moved).toEqual([{ from: 'scheduled', job: { ...soon, state: 'enqueued', updatedAt: ctx.clock.now() } }]);
      expect(await mustGet(ctx.storage, soon!.id)).toEqual(moved[0]?.job);
      expect(await mustGet(ctx.storage, later!.id)).toEqual(later);
    });

    it('enqueues due awaiting_retry jobs, reporting awaiting_retry as their origin', async () => {
      const waiting = await jobIn(ctx, 'awaiting_retry');
      ctx.clock.set(waiting.runAt);
      const moved = only(await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 }));
      expect(moved.from).toBe('awaiting_retry');
      expect(moved.job).toMatchObject({ id: waiting.id, state: 'enqueued', runAt: waiting.runAt, attempt: 1 });
    });

    it('promotes a job due exactly now but none due later', async () => {
      const [due, notYet] = await scheduledAt(ctx, [1_000, 1_001]);
      ctx.clock.advance(1_000);
      const moved = await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 });
      expect(moved.map((m) => m.job.id)).toEqual([due!.id]);
      expect((await mustGet(ctx.storage, notYet!.id)).state).toBe('scheduled');
    });

    it('promotes at most limit jobs, earliest runAt first', async () => {
      const jobs = await scheduledAt(ctx, [5_000, 1_000, 3_000, 2_000, 4_000]);
      ctx.clock.advance(10_000);
      const byRunAt = [...jobs].sort((a, b) => a.runAt.getTime() - b.runAt.getTime()).map((job) => job.id);
      const first = await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 2 });
      expect(first.map((m) => m.job.id)).toEqual(byRunAt.slice(0, 2));
      const rest = await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 });
      expect(rest.map((m) => m.job.id)).toEqual(byRunAt.slice(2));
      expect(await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 })).toEqual([]);
    });

    it('leaves jobs in every other state alone', async () => {
      const others = await jobsIn(ctx, ['processing', 'succeeded', 'failed', 'deleted', 'enqueued']);
      ctx.clock.advance(DAY_MS);
      expect(await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 })).toEqual([]);
      for (const job of others) expect(await mustGet(ctx.storage, job.id)).toEqual(job);
    });

    it('sorts a retry due at T before a job enqueued after T at the same priority', async () => {
      const retried = await claimJob(ctx, await enqueueJob(ctx));
      const dueAt = fromNow(ctx, 5_000);
      const outcome = { ...leaseOf(retried), to: 'awaiting_retry', runAt: dueAt } as const;
      expect(await ctx.storage.finish({ outcomes: [outcome] })).toEqual([true]);
      ctx.clock.set(new Date(dueAt.getTime() + 3_000));
      const fresh = await enqueueJob(ctx);
      expect(await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 })).toHaveLength(1);
      expect(only(await claim(ctx)).id).toBe(retried.id);
      expect(only(await claim(ctx)).id).toBe(fresh.id);
    });
  });

  describe('requeueExpiredLeases', () => {
    it('requeues only jobs whose lease lapsed, keeping the attempt and making them due now', async () => {
      const [lapsing, holding] = await enqueueBatch(ctx, 2);
      const short = only(await claim(ctx, { leaseMs: 1_000 }));
      const long = only(await claim(ctx, { leaseMs: 10_000 }));
      expect([short.id, long.id]).toEqual([lapsing!.id, holding!.id]);
      ctx.clock.advance(5_000);
      const now = ctx.clock.now();
      const moved = only(await requeue(ctx));
      expect(moved.from).toBe('processing');
      expect(moved.job).toEqual({
        ...short,
        state: 'enqueued',
        attempt: 1,
        runAt: now,
        updatedAt: now,
        leaseId: null,
        lockedBy: null,
        lockedUntil: null,
      });
      expect(await mustGet(ctx.storage, short.id)).toEqual(moved.job);
      expect(await mustGet(ctx.storage, long.id)).toEqual(long);
    });

    it('treats a lease as lapsed once lockedUntil <= now, and not a millisecond before', async () => {
      const claimed = await claimJob(ctx, await enqueueJob(ctx));
      ctx.clock.advance(LEASE_MS - 1);
      expect(await requeue(ctx)).toEqual([]);
      expect(await mustGet(ctx.storage, claimed.id)).toEqual(claimed);
      ctx.clock.advance(1);
      expect(ctx.clock.now()).toEqual(claimed.lockedUntil);
      expect(only(await requeue(ctx)).job).toMatchObject({ id: claimed.id, state: 'enqueued' });
    });

    it('keeps the last error of an earlier attempt when it requeues the job', async () => {
      const waiting = await jobIn(ctx, 'awaiting_retry');
      expect(waiting.lastError).toEqual({ name: 'Error', message: 'try again' });
      ctx.clock.set(waiting.runAt);
      expect(await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 })).toHaveLength(1);
      const claimed = await claimJob(ctx, await mustGet(ctx.storage, waiting.id));
      ctx.clock.advance(LEASE_MS);
      const moved = only(await requeue(ctx));
      expect(moved.job).toMatchObject({ id: waiting.id, state: 'enqueued', attempt: 2, lastError: waiting.lastError });
      expect((await mustGet(ctx.storage, claimed.id)).lastError).toEqual(waiting.lastError);
    });

    it('spares a lease that was renewed before it lapsed', async () => {
      const claimed = await claimJob(ctx, await enqueueJob(ctx));
      ctx.clock.advance(LEASE_MS - 1_000);
      const lockedUntil = fromNow(ctx, LEASE_MS);
      expect(await ctx.storage.renewLeases({ leases: [leaseOf(claimed)], lockedUntil })).toEqual([true]);
      ctx.clock.advance(5_000);
      expect(await requeue(ctx)).toEqual([]);
      expect((await mustGet(ctx.storage, claimed.id)).state).toBe('processing');
    });

    it('fails a job that has no attempt left, naming the lapsed lease', async () => {
      const claimed = await claimJob(ctx, await enqueueJob(ctx, { maxAttempts: 1 }));
      ctx.clock.advance(LEASE_MS + 1);
      const failedExpiresAt = fromNow(ctx, 7 * DAY_MS);
      const moved = only(await requeue(ctx, 10, failedExpiresAt));
      expect(moved.from).toBe('processing');
      expect(moved.job).toMatchObject({
        id: claimed.id,
        state: 'failed',
        attempt: 1,
        finishedAt: ctx.clock.now(),
        updatedAt: ctx.clock.now(),
        expiresAt: failedExpiresAt,
        leaseId: null,
        lockedBy: null,
        lockedUntil: null,
        lastError: { name: 'LeaseExpiredError', message: expect.stringMatching(/lease/i) },
      });
      expect(await mustGet(ctx.storage, claimed.id)).toEqual(moved.job);
    });

    it('requeues at most limit jobs', async () => {
      await enqueueBatch(ctx, 5);
      expect(await claim(ctx, { limit: 5, leaseMs: 1_000 })).toHaveLength(5);
      ctx.clock.advance(2_000);
      const first = await requeue(ctx, 3);
      const second = await requeue(ctx, 3);
      expect(first).toHaveLength(3);
      expect(second).toHaveLength(2);
      expect(new Set([...first, ...second].map((m) => m.job.id)).size).toBe(5);
      expect(await requeue(ctx, 3)).toEqual([]);
    });

    it('leaves jobs in every other state alone', async () => {
      const others = await jobsIn(ctx, ['awaiting_retry', 'succeeded', 'failed', 'deleted', 'scheduled', 'enqueued']);
      ctx.clock.advance(DAY_MS);
      expect(await requeue(ctx)).toEqual([]);
      for (const job of others) expect(await mustGet(ctx.storage, job.id)).toEqual(job);
    });
  });

  describe('purgeExpired', () => {
    it('deletes only finished jobs whose expiresAt has passed, returning how many', async () => {
      const expired = await jobsIn(ctx, FINISHED_STATES);
      const notYet = await succeededExpiringIn(ctx, 30 * DAY_MS);
      const forever = await succeededExpiringIn(ctx, null);
      const unfinished = await jobsIn(ctx, UNFINISHED_STATES);
      ctx.clock.advance(8 * DAY_MS);

      expect(await ctx.storage.purgeExpired({ now: ctx.clock.now(), limit: 100 })).toBe(3);
      for (const job of expired) expect(await ctx.storage.get(job.id)).toBeNull();
      for (const job of [notYet, forever, ...unfinished]) expect(await mustGet(ctx.storage, job.id)).toEqual(job);
      expect(await ctx.storage.purgeExpired({ now: ctx.clock.now(), limit: 100 })).toBe(0);
    });

    it('deletes a job whose expiresAt is exactly now', async () => {
      const job = await succeededExpiringIn(ctx, HOUR_MS);
      ctx.clock.advance(HOUR_MS - 1);
      expect(await ctx.storage.purgeExpired({ now: ctx.clock.now(), limit: 10 })).toBe(0);
      ctx.clock.advance(1);
      expect(await ctx.storage.purgeExpired({ now: ctx.clock.now(), limit: 10 })).toBe(1);
      expect(await ctx.storage.get(job.id)).toBeNull();
    });

    it('deletes at most limit jobs, earliest expiresAt first', async () => {
      const jobs: Job[] = [];
      for (const hours of [5, 1, 4, 2, 3]) jobs.push(await succeededExpiringIn(ctx, hours * HOUR_MS));
      ctx.clock.advance(DAY_MS);
      expect(await ctx.storage.purgeExpired({ now: ctx.clock.now(), limit: 2 })).toBe(2);
      const left = await Promise.all(jobs.map((job) => ctx.storage.get(job.id)));
      expect(left.map((job) => (job === null ? 'gone' : 'kept'))).toEqual(['kept', 'gone', 'kept', 'gone', 'kept']);
      expect(await ctx.storage.purgeExpired({ now: ctx.clock.now(), limit: 10 })).toBe(3);
      expect(await jobTotal(ctx.storage)).toBe(0);
    });

    it('never deletes an unfinished job, whatever its dates', async () => {
      const jobs = await jobsIn(ctx, UNFINISHED_STATES);
      ctx.clock.advance(365 * DAY_MS);
      expect(await ctx.storage.purgeExpired({ now: ctx.clock.now(), limit: 100 })).toBe(0);
      for (const job of jobs) expect(await mustGet(ctx.storage, job.id)).toEqual(job);
    });
  });
}
