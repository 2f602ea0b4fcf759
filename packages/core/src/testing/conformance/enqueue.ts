// enqueue.ts: conformance of `enqueue` and `get`: every field stored as given, uniqueKey dedup while the holder is
// unfinished (and only then), idempotent caller-chosen ids, and batch results in order.
import { describe, expect, it } from 'vitest';
import { buildNewJob } from '../../enqueue-options.js';
import { uuidv7 } from '../../ids.js';
import { FINISHED_STATES, type Job } from '../../job.js';
import type { ConformanceContext } from './context.js';
import {
  claimJob,
  DAY_MS,
  enqueueJob,
  fromNow,
  HOUR_MS,
  jobIn,
  jobTotal,
  leaseOf,
  mustGet,
  newJob,
  UNFINISHED_STATES,
} from './fixtures.js';

/** Ways a uniqueKey holder stops holding it: each finished state, and its row going away. */
const KEY_RELEASES: Record<string, (ctx: ConformanceContext, key: string) => Promise<void>> = {
  succeeds: async (ctx, uniqueKey) => {
    await jobIn(ctx, 'succeeded', { uniqueKey });
  },
  fails: async (ctx, uniqueKey) => {
    await jobIn(ctx, 'failed', { uniqueKey });
  },
  'is cancelled': async (ctx, uniqueKey) => {
    await jobIn(ctx, 'deleted', { uniqueKey });
  },
  'is purged as it finishes': async (ctx, uniqueKey) => {
    const claimed = await claimJob(ctx, await enqueueJob(ctx, { uniqueKey }));
    expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(claimed), to: 'succeeded', purge: true }] })).toEqual([
      true,
    ]);
  },
  'is purged after it expires': async (ctx, uniqueKey) => {
    await jobIn(ctx, 'succeeded', { uniqueKey });
    ctx.clock.advance(2 * DAY_MS);
    expect(await ctx.storage.purgeExpired({ now: ctx.clock.now(), limit: 10 })).toBe(1);
  },
  'is deleted': async (ctx, uniqueKey) => {
    const job = await enqueueJob(ctx, { uniqueKey });
    expect(await ctx.storage.delete(job.id)).toBe(true);
  },
};

export function enqueueConformance(ctx: ConformanceContext): void {
  describe('enqueue', () => {
    it('stores every field of the new job, unclaimed', async () => {
      const createdAt = fromNow(ctx, -250);
      const job = newJob(ctx, {
        method: 'send_email',
        payloadValue: { to: 'a@b.c', tags: ['x'] },
        queue: 'emails',
        priority: 7,
        maxAttempts: 3,
        timeoutMs: 1_500,
        createdAt,
        uniqueKey: 'email:a@b.c',
        metadata: { tenant: 'acme', traceId: 'abc123' },
      });
      expect(await ctx.storage.enqueue({ jobs: [job] })).toEqual([{ id: job.id, duplicate: false }]);
      expect(await ctx.storage.get(job.id)).toEqual({
        id: job.id,
        method: 'send_email',
        payload: { to: 'a@b.c', tags: ['x'] },
        queue: 'emails',
        priority: 7,
        state: 'enqueued',
        attempt: 0,
        maxAttempts: 3,
        timeoutMs: 1_500,
        runAt: job.runAt,
        createdAt,
        updatedAt: createdAt,
        startedAt: null,
        finishedAt: null,
        expiresAt: null,
        lockedBy: null,
        lockedUntil: null,
        leaseId: null,
        uniqueKey: 'email:a@b.c',
        metadata: { tenant: 'acme', traceId: 'abc123' },
        result: null,
        lastError: null,
        progress: null,
      } satisfies Job);
    });

    it('stores a scheduled job with its future runAt', async () => {
      const runAt = fromNow(ctx, HOUR_MS + 7);
      const job = await enqueueJob(ctx, { state: 'scheduled', runAt });
      expect(job).toMatchObject({ state: 'scheduled', runAt, attempt: 0 });
    });

    it('returns one result per job, in the order given', async () => {
      const jobs = [newJob(ctx, { queue: 'b' }), newJob(ctx, { queue: 'a' }), newJob(ctx, { priority: 3 })];
      const results = await ctx.storage.enqueue({ jobs });
      expect(results).toEqual(jobs.map((job) => ({ id: job.id, duplicate: false })));
      expect(await jobTotal(ctx.storage)).toBe(3);
    });

    it('returns an empty array and writes nothing for an empty batch', async () => {
      expect(await ctx.storage.enqueue({ jobs: [] })).toEqual([]);
      expect(await jobTotal(ctx.storage)).toBe(0);
    });

    for (const state of UNFINISHED_STATES) {
      it(`returns the holder's id and writes nothing while the uniqueKey is held by a job in state ${state}`, async () => {
        const holder = await jobIn(ctx, state, { uniqueKey: 'report:42' });
        const again = newJob(ctx, { uniqueKey: 'report:42', method: 'other' });
        expect(await ctx.storage.enqueue({ jobs: [again] })).toEqual([{ id: holder.id, duplicate: true }]);
        expect(await ctx.storage.get(again.id)).toBeNull();
        expect(await mustGet(ctx.storage, holder.id)).toEqual(holder);
        expect(await jobTotal(ctx.storage)).toBe(1);
      });
    }

    for (const [how, release] of Object.entries(KEY_RELEASES)) {
      it(`frees the uniqueKey once its holder ${how}`, async () => {
        await release(ctx, 'report:42');
        const next = newJob(ctx, { uniqueKey: 'report:42' });
        expect(await ctx.storage.enqueue({ jobs: [next] })).toEqual([{ id: next.id, duplicate: false }]);
        expect(await mustGet(ctx.storage, next.id)).toMatchObject({ state: 'enqueued', uniqueKey: 'report:42' });
      });
    }

    it('treats a second job with the same uniqueKey in one batch as a duplicate of the first', async () => {
      const first = newJob(ctx, { uniqueKey: 'k' });
      const second = newJob(ctx, { uniqueKey: 'k' });
      const other = newJob(ctx, { uniqueKey: 'other' });
      expect(await ctx.storage.enqueue({ jobs: [first, second, other] })).toEqual([
        { id: first.id, duplicate: false },
        { id: first.id, duplicate: true },
        { id: other.id, duplicate: false },
      ]);
      expect(await ctx.storage.get(second.id)).toBeNull();
      expect(await jobTotal(ctx.storage)).toBe(2);
    });

    // A job JobClient built has a generated id, which backends may trust to be new; the same object given twice is
    // still one job. A caller-chosen id repeated in one batch likewise.
    it('writes a job given twice in one batch once, the second answered as its duplicate', async () => {
      const built = buildNewJob('enqueue', 'test', {}, undefined, ctx.clock.now());
      const chosen = newJob(ctx, { id: 'chosen-1' });
      const fresh = newJob(ctx);
      expect(await ctx.storage.enqueue({ jobs: [built, chosen, built, { ...chosen }, fresh] })).toEqual([
        { id: built.id, duplicate: false },
        { id: 'chosen-1', duplicate: false },
        { id: built.id, duplicate: true },
        { id: 'chosen-1', duplicate: true },
        { id: fresh.id, duplicate: false },
      ]);
      expect(await jobTotal(ctx.storage)).toBe(3);
    });

    it('writes the other jobs of a batch in which one is a duplicate', async () => {
      const holder = await enqueueJob(ctx, { uniqueKey: 'k' });
      const duplicate = newJob(ctx, { uniqueKey: 'k' });
      const fresh = newJob(ctx);
      expect(await ctx.storage.enqueue({ jobs: [duplicate, fresh] })).toEqual([
        { id: holder.id, duplicate: true },
        { id: fresh.id, duplicate: false },
      ]);
      expect(await mustGet(ctx.storage, fresh.id)).toMatchObject({ state: 'enqueued' });
      expect(await jobTotal(ctx.storage)).toBe(2);
    });

    it('returns the existing id and writes nothing when a caller-chosen id already exists', async () => {
      const original = await enqueueJob(ctx, { method: 'first' });
      const again = newJob(ctx, { id: original.id, method: 'second', queue: 'elsewhere', priority: 9 });
      expect(await ctx.storage.enqueue({ jobs: [again] })).toEqual([{ id: original.id, duplicate: true }]);
      expect(await mustGet(ctx.storage, original.id)).toEqual(original);
      expect(await jobTotal(ctx.storage)).toBe(1);
    });

    it('stores a caller-chosen id that is not a UUID', async () => {
      const job = await enqueueJob(ctx, { id: 'invoice:2030-0001' });
      expect(job).toMatchObject({ id: 'invoice:2030-0001', state: 'enqueued' });
    });

    it('leaves finished jobs with the same uniqueKey in place when it writes a new holder', async () => {
      const finished: Job[] = [];
      for (const state of FINISHED_STATES) finished.push(await jobIn(ctx, state, { uniqueKey: 'k' }));
      const next = await enqueueJob(ctx, { uniqueKey: 'k' });
      for (const job of finished) expect(await mustGet(ctx.storage, job.id)).toEqual(job);
      expect(next.state).toBe('enqueued');
      expect(await jobTotal(ctx.storage)).toBe(4);
    });
  });

  describe('get', () => {
    it('returns null for an unknown id', async () => {
      await enqueueJob(ctx);
      expect(await ctx.storage.get(uuidv7(ctx.clock.now().getTime()))).toBeNull();
    });
  });
}
