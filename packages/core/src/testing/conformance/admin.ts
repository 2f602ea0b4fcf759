// admin.ts: conformance of the operator-facing calls: `list`, `counts`, `cancel`, `retryFailed` and `delete`, with
// their typed errors for missing jobs and transitions job.ts does not allow.
import { describe, expect, it } from 'vitest';
import { IllegalTransitionError, NotFoundError, UniqueKeyConflictError } from '../../errors.js';
import { uuidv7 } from '../../ids.js';
import { FINISHED_STATES, JOB_STATES, type Job, type JobState, type NewJob } from '../../job.js';
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
  leaseOf,
  mustGet,
  newJob,
  UNFINISHED_STATES,
} from './fixtures.js';

/** Every state with a zero count. */
function zeroCounts(): Record<JobState, number> {
  return Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
}

/** An id no job has. */
function unknownId(ctx: ConformanceContext): string {
  return uuidv7(ctx.clock.now().getTime());
}

export function adminConformance(ctx: ConformanceContext): void {
  describe('list', () => {
    /** Jobs over two queues, two methods and three states, in id order. */
    async function mixedJobs(): Promise<Job[]> {
      const jobs = await jobsIn(ctx, ['processing', 'failed'], { queue: 'a', method: 'm1' });
      jobs.push(await jobIn(ctx, 'processing', { queue: 'b', method: 'm2' }));
      for (let i = 0; i < 3; i++)
        jobs.push(await enqueueJob(ctx, { queue: i === 1 ? 'b' : 'a', method: `m${(i % 2) + 1}` }));
      return jobs.sort((x, y) => (x.id < y.id ? -1 : 1));
    }

    it('lists every job by id ascending when no filter is given', async () => {
      const jobs = await mixedJobs();
      expect(await ctx.storage.list({ limit: 100, offset: 0 })).toEqual(jobs);
    });

    it('filters by state, queue and method, each alone and together', async () => {
      const jobs = await mixedJobs();
      const pick = (keep: (job: Job) => boolean) => jobs.filter(keep).map((job) => job.id);
      const ids = async (filter: { state?: JobState; queue?: string; method?: string }) =>
        (await ctx.storage.list({ ...filter, limit: 100, offset: 0 })).map((job) => job.id);

      expect(await ids({ state: 'processing' })).toEqual(pick((job) => job.state === 'processing'));
      expect(await ids({ queue: 'b' })).toEqual(pick((job) => job.queue === 'b'));
      expect(await ids({ method: 'm1' })).toEqual(pick((job) => job.method === 'm1'));
      expect(await ids({ state: 'enqueued', queue: 'a', method: 'm1' })).toEqual(
        pick((job) => job.state === 'enqueued' && job.queue === 'a' && job.method === 'm1'),
      );
      expect(await ids({ state: 'succeeded' })).toEqual([]);
      expect(await ids({ queue: 'missing' })).toEqual([]);
    });

    it('pages with limit and offset without gaps or overlaps', async () => {
      const jobs = await mixedJobs();
      const pages: Job[][] = [];
      for (let offset = 0; offset < jobs.length + 2; offset += 2) {
        pages.push(await ctx.storage.list({ limit: 2, offset }));
      }
      expect(pages.map((page) => page.length)).toEqual([2, 2, 2, 0]);
      expect(pages.flat()).toEqual(jobs);
      expect(await ctx.storage.list({ state: 'enqueued', limit: 2, offset: 1 })).toEqual(
        jobs.filter((job) => job.state === 'enqueued').slice(1, 3),
      );
    });

    // Claim order (priority first) differs from id order here, and the pages reach from the first jobs of a state to
    // its last: a store that lists a state from an index kept in claim order must still page by id.
    it('pages enqueued and processing jobs by id from the first page to the last, with and without a queue', async () => {
      const batch = await enqueueBatch(ctx, 200, (i) => ({ queue: i % 2 === 0 ? 'a' : 'b', priority: (i * 7) % 5 }));
      const claimed = new Set((await claim(ctx, { limit: 50 })).map((job) => job.id));
      const byId = (keep: (job: NewJob) => boolean) =>
        batch
          .filter(keep)
          .map((job) => job.id)
          .sort();
      const enqueued = byId((job) => !claimed.has(job.id));
      const processing = byId((job) => claimed.has(job.id));
      const enqueuedInA = byId((job) => !claimed.has(job.id) && job.queue === 'a');
      const page = async (filter: { state: JobState; queue?: string }, offset: number, limit: number) =>
        (await ctx.storage.list({ ...filter, limit, offset })).map((job) => job.id);

      for (const offset of [0, 10, 140, 145]) {
        expect(await page({ state: 'enqueued' }, offset, 10)).toEqual(enqueued.slice(offset, offset + 10));
      }
      for (const offset of [0, 40]) {
        expect(await page({ state: 'processing' }, offset, 10)).toEqual(processing.slice(offset, offset + 10));
      }
      for (const offset of [5, enqueuedInA.length - 10]) {
        expect(await page({ state: 'enqueued', queue: 'a' }, offset, 20)).toEqual(
          enqueuedInA.slice(offset, offset + 20),
        );
      }
      expect(await page({ state: 'processing', queue: 'b' }, 0, 100)).toEqual(
        byId((job) => claimed.has(job.id) && job.queue === 'b'),
      );
    });
  });

  describe('counts', () => {
    it('reports every state as zero and no queue when empty', async () => {
      expect(await ctx.storage.counts()).toEqual({ byState: zeroCounts(), byQueue: {} });
    });

    it('counts jobs per state and per queue, with every state present for each queue', async () => {
      await jobsIn(ctx, ['processing', 'succeeded'], { queue: 'b' });
      await jobsIn(ctx, ['enqueued', 'enqueued', 'scheduled', 'awaiting_retry'], { queue: 'a' });
      expect(await ctx.storage.counts()).toEqual({
        byState: { ...zeroCounts(), enqueued: 2, scheduled: 1, awaiting_retry: 1, processing: 1, succeeded: 1 },
        byQueue: {
          a: { ...zeroCounts(), enqueued: 2, scheduled: 1, awaiting_retry: 1 },
          b: { ...zeroCounts(), processing: 1, succeeded: 1 },
        },
      });
    });
  });

  describe('cancel', () => {
    for (const state of UNFINISHED_STATES) {
      it(`moves a job from ${state} to deleted with finishedAt, the given expiresAt and no lease`, async () => {
        const job = await jobIn(ctx, state);
        ctx.clock.advance(1_000);
        const expiresAt = fromNow(ctx, DAY_MS);
        const cancelled = await ctx.storage.cancel({ id: job.id, expiresAt });
        const now = ctx.clock.now();
        expect(cancelled).toEqual({
          ...job,
          state: 'deleted',
          finishedAt: now,
          expiresAt,
          updatedAt: now,
          leaseId: null,
          lockedBy: null,
          lockedUntil: null,
        });
        expect(await mustGet(ctx.storage, job.id)).toEqual(cancelled);
      });
    }

    it("revokes a processing job's lease so its worker can no longer write", async () => {
      const claimed = await claimJob(ctx, await enqueueJob(ctx));
      const cancelled = await ctx.storage.cancel({ id: claimed.id, expiresAt: null });
      const lease = leaseOf(claimed);
      expect(await ctx.storage.renewLeases({ leases: [lease], lockedUntil: fromNow(ctx, DAY_MS) })).toEqual([false]);
      expect(await ctx.storage.recordProgress({ reports: [{ ...lease, progress: 50 }] })).toEqual([false]);
      expect(await ctx.storage.finish({ outcomes: [{ ...lease, to: 'succeeded', result: '1' }] })).toEqual([false]);
      expect(await ctx.storage.release({ leases: [lease] })).toEqual([false]);
      expect(await mustGet(ctx.storage, claimed.id)).toEqual(cancelled);
    });

    for (const state of FINISHED_STATES) {
      it(`throws IllegalTransitionError and changes nothing for a job in state ${state}`, async () => {
        const job = await jobIn(ctx, state);
        await expect(ctx.storage.cancel({ id: job.id, expiresAt: null })).rejects.toBeInstanceOf(
          IllegalTransitionError,
        );
        expect(await mustGet(ctx.storage, job.id)).toEqual(job);
      });
    }

    it('throws NotFoundError for an unknown job', async () => {
      await expect(ctx.storage.cancel({ id: unknownId(ctx), expiresAt: null })).rejects.toBeInstanceOf(NotFoundError);
      expect(await jobTotal(ctx.storage)).toBe(0);
    });
  });

  describe('retryFailed', () => {
    it('enqueues a failed job again, due now, with attempts reset and its last error kept', async () => {
      const failed = await jobIn(ctx, 'failed');
      ctx.clock.advance(HOUR_MS);
      const retried = await ctx.storage.retryFailed(failed.id);
      const now = ctx.clock.now();
      expect(retried).toEqual({
        ...failed,
        state: 'enqueued',
        attempt: 0,
        runAt: now,
        finishedAt: null,
        expiresAt: null,
        updatedAt: now,
      });
      expect(await mustGet(ctx.storage, failed.id)).toEqual(retried);
      expect((await claimJob(ctx, retried)).attempt).toBe(1);
    });

    for (const state of JOB_STATES.filter((s) => s !== 'failed')) {
      it(`throws IllegalTransitionError and changes nothing for a job in state ${state}`, async () => {
        const job = await jobIn(ctx, state);
        await expect(ctx.storage.retryFailed(job.id)).rejects.toBeInstanceOf(IllegalTransitionError);
        expect(await mustGet(ctx.storage, job.id)).toEqual(job);
      });
    }

    it('throws NotFoundError for an unknown job', async () => {
      await expect(ctx.storage.retryFailed(unknownId(ctx))).rejects.toBeInstanceOf(NotFoundError);
    });

    for (const state of UNFINISHED_STATES) {
      it(`throws UniqueKeyConflictError and changes nothing while a ${state} job holds the uniqueKey`, async () => {
        const uniqueKey = 'report:2030-01';
        const failed = await jobIn(ctx, 'failed', { uniqueKey });
        const holder = await jobIn(ctx, state, { uniqueKey });
        ctx.clock.advance(HOUR_MS);
        const counts = await ctx.storage.counts();

        const attempt = ctx.storage.retryFailed(failed.id);
        await expect(attempt).rejects.toBeInstanceOf(UniqueKeyConflictError);
        await expect(attempt).rejects.toMatchObject({ operation: 'retryFailed', jobId: failed.id, uniqueKey });
        expect(await mustGet(ctx.storage, failed.id)).toEqual(failed);
        expect(await mustGet(ctx.storage, holder.id)).toEqual(holder);
        expect(await ctx.storage.counts()).toEqual(counts);
      });
    }

    it('takes the uniqueKey back once no unfinished job holds it', async () => {
      const uniqueKey = 'report:2030-02';
      const failed = await jobIn(ctx, 'failed', { uniqueKey });
      const [succeeded, deleted] = await jobsIn(ctx, ['succeeded', 'deleted'], { uniqueKey });
      const retried = await ctx.storage.retryFailed(failed.id);
      expect(retried).toMatchObject({ id: failed.id, state: 'enqueued', uniqueKey });
      const duplicate = newJob(ctx, { uniqueKey });
      expect(await ctx.storage.enqueue({ jobs: [duplicate] })).toEqual([{ id: failed.id, duplicate: true }]);
      expect(await mustGet(ctx.storage, succeeded!.id)).toEqual(succeeded);
      expect(await mustGet(ctx.storage, deleted!.id)).toEqual(deleted);
    });
  });

  describe('delete', () => {
    for (const state of JOB_STATES) {
      it(`removes a job in state ${state} and returns true`, async () => {
        const [job, other] = await jobsIn(ctx, [state, 'enqueued']);
        expect(await ctx.storage.delete(job!.id)).toBe(true);
        expect(await ctx.storage.get(job!.id)).toBeNull();
        expect(await mustGet(ctx.storage, other!.id)).toEqual(other);
        expect(await jobTotal(ctx.storage)).toBe(1);
      });
    }

    it('returns false for an unknown job', async () => {
      const job = await enqueueJob(ctx);
      expect(await ctx.storage.delete(unknownId(ctx))).toBe(false);
      expect(await mustGet(ctx.storage, job.id)).toEqual(job);
    });

    it("leaves a deleted processing job's lease unable to write", async () => {
      const claimed = await claimJob(ctx, await enqueueJob(ctx));
      expect(await ctx.storage.delete(claimed.id)).toBe(true);
      expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(claimed), to: 'succeeded' }] })).toEqual([false]);
      expect(await ctx.storage.get(claimed.id)).toBeNull();
    });
  });
}
