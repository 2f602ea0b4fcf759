// enqueue-replace.ts: conformance of `enqueue` with onDuplicate 'replace' (debounce): a holder that has not started
// takes the new job's payload, runAt, priority, metadata and state; a started one keeps running without the key and
// the new job is written holding it. Ids are never replaced, batches stay all or nothing, racing peers leave one holder.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import type { Job } from '../../job.js';
import type { Storage } from '../../storage.js';
import type { ConformanceContext } from './context.js';
import {
  claim,
  enqueueJob,
  fromNow,
  HOUR_MS,
  jobIn,
  jobTotal,
  leaseOf,
  mustGet,
  newJob,
  SECOND_MS,
} from './fixtures.js';

const KEY = 'debounce:42';

/** Replacing peers per storage in the race, and replaces each makes. */
const RACE_STORAGES = 3;
const RACE_REPLACES = 8;

export function enqueueReplaceConformance(ctx: ConformanceContext): void {
  describe('enqueue (onDuplicate replace)', () => {
    it('gives an enqueued holder the new payload, runAt, priority, metadata and state, and answers its id', async () => {
      const holder = await enqueueJob(ctx, { uniqueKey: KEY, payloadValue: { n: 1 }, metadata: { a: '1' } });
      ctx.clock.advance(SECOND_MS);
      const runAt = fromNow(ctx, HOUR_MS);
      const next = replacing(ctx, {
        payloadValue: { n: 2 },
        priority: 5,
        metadata: { b: '2' },
        state: 'scheduled',
        runAt,
      });
      expect(await ctx.storage.enqueue({ jobs: [next] })).toEqual([{ id: holder.id, duplicate: true }]);
      expect(await mustGet(ctx.storage, holder.id)).toEqual({
        ...holder,
        payload: { n: 2 },
        priority: 5,
        metadata: { b: '2' },
        state: 'scheduled',
        runAt,
        updatedAt: next.createdAt,
      } satisfies Job);
      expect(await ctx.storage.get(next.id)).toBeNull();
      expect(await jobTotal(ctx.storage)).toBe(1);
      expect(await claim(ctx), 'a job replaced into scheduled is not claimable').toEqual([]);
    });

    it('makes a scheduled holder enqueued and claimable when the new runAt is due', async () => {
      const holder = await jobIn(ctx, 'scheduled', { uniqueKey: KEY });
      const next = replacing(ctx, { payloadValue: { now: true } });
      expect(await ctx.storage.enqueue({ jobs: [next] })).toEqual([{ id: holder.id, duplicate: true }]);
      const replaced = await mustGet(ctx.storage, holder.id);
      expect(replaced).toEqual({
        ...holder,
        payload: { now: true },
        state: 'enqueued',
        runAt: next.runAt,
        updatedAt: next.createdAt,
      } satisfies Job);
      const claimed = await claim(ctx);
      expect(claimed.map((job) => job.id)).toEqual([holder.id]);
      expect(await ctx.storage.promoteDue({ now: fromNow(ctx, 2 * HOUR_MS), limit: 10 })).toEqual([]);
    });

    it('debounces: replaces with growing runAt leave one scheduled job due at the last runAt', async () => {
      const first = newJob(ctx, { uniqueKey: KEY, state: 'scheduled', runAt: fromNow(ctx, SECOND_MS) });
      expect(await ctx.storage.enqueue({ jobs: [first] })).toEqual([{ id: first.id, duplicate: false }]);
      for (const n of [2, 3]) {
        ctx.clock.advance(200);
        const next = replacing(ctx, { payloadValue: { n }, state: 'scheduled', runAt: fromNow(ctx, SECOND_MS) });
        expect(await ctx.storage.enqueue({ jobs: [next] })).toEqual([{ id: first.id, duplicate: true }]);
      }
      const last = fromNow(ctx, SECOND_MS);
      expect(await mustGet(ctx.storage, first.id)).toMatchObject({
        state: 'scheduled',
        runAt: last,
        payload: { n: 3 },
      });
      expect(await ctx.storage.promoteDue({ now: first.runAt, limit: 10 }), 'due at the first runAt').toEqual([]);
      const promoted = await ctx.storage.promoteDue({ now: last, limit: 10 });
      expect(promoted.map(({ job }) => job.id)).toEqual([first.id]);
      expect(await jobTotal(ctx.storage)).toBe(1);
    });

    for (const state of ['processing', 'awaiting_retry'] as const) {
      it(`keeps a ${state} holder without its uniqueKey and writes the new job holding it`, async () => {
        const holder = await jobIn(ctx, state, { uniqueKey: KEY });
        ctx.clock.advance(SECOND_MS);
        const next = replacing(ctx, { payloadValue: { n: 2 } });
        expect(await ctx.storage.enqueue({ jobs: [next] })).toEqual([{ id: next.id, duplicate: false }]);
        expect(await mustGet(ctx.storage, holder.id)).toEqual({
          ...holder,
          uniqueKey: null,
          updatedAt: next.createdAt,
        });
        expect(await mustGet(ctx.storage, next.id)).toMatchObject({
          state: 'enqueued',
          uniqueKey: KEY,
          payload: { n: 2 },
        });
        expect(await jobTotal(ctx.storage)).toBe(2);
        const keep = newJob(ctx, { uniqueKey: KEY });
        expect(await ctx.storage.enqueue({ jobs: [keep] }), 'the new job holds the key').toEqual([
          { id: next.id, duplicate: true },
        ]);
      });
    }

    it('lets a processing holder that gave up its key finish', async () => {
      const holder = await jobIn(ctx, 'processing', { uniqueKey: KEY });
      await ctx.storage.enqueue({ jobs: [replacing(ctx)] });
      const outcome = { ...leaseOf(holder), to: 'succeeded' as const, expiresAt: fromNow(ctx, HOUR_MS) };
      expect(await ctx.storage.finish({ outcomes: [outcome] })).toEqual([true]);
      expect(await mustGet(ctx.storage, holder.id)).toMatchObject({ state: 'succeeded', uniqueKey: null });
    });

    it("leaves the holder unchanged with onDuplicate 'keep'", async () => {
      const holder = await enqueueJob(ctx, { uniqueKey: KEY });
      const again = newJob(ctx, { uniqueKey: KEY, payloadValue: { n: 2 }, onDuplicate: 'keep' });
      expect(await ctx.storage.enqueue({ jobs: [again] })).toEqual([{ id: holder.id, duplicate: true }]);
      expect(await mustGet(ctx.storage, holder.id)).toEqual(holder);
    });

    it('never replaces a job whose id exists, even the holder itself', async () => {
      const holder = await enqueueJob(ctx, { uniqueKey: KEY });
      const again = replacing(ctx, { id: holder.id, payloadValue: { n: 2 } });
      expect(await ctx.storage.enqueue({ jobs: [again] })).toEqual([{ id: holder.id, duplicate: true }]);
      expect(await mustGet(ctx.storage, holder.id)).toEqual(holder);
    });

    it('replaces an earlier job of the same batch', async () => {
      const first = newJob(ctx, { uniqueKey: KEY, payloadValue: { n: 1 } });
      const second = replacing(ctx, { payloadValue: { n: 2 }, priority: 3 });
      const other = newJob(ctx);
      expect(await ctx.storage.enqueue({ jobs: [first, second, other] })).toEqual([
        { id: first.id, duplicate: false },
        { id: first.id, duplicate: true },
        { id: other.id, duplicate: false },
      ]);
      expect(await mustGet(ctx.storage, first.id)).toMatchObject({ payload: { n: 2 }, priority: 3, uniqueKey: KEY });
      expect(await jobTotal(ctx.storage)).toBe(2);
    });

    it('writes nothing of a batch of keep and replace jobs in which one job is bad', async () => {
      const holder = await enqueueJob(ctx, { uniqueKey: KEY });
      const jobs = [newJob(ctx), replacing(ctx, { payloadValue: { n: 2 } }), newJob(ctx, { payload: '{oops' })];
      await expect(ctx.storage.enqueue({ jobs })).rejects.toBeInstanceOf(ValidationError);
      expect(await mustGet(ctx.storage, holder.id)).toEqual(holder);
      expect(await jobTotal(ctx.storage)).toBe(1);
    });

    it('leaves exactly one unfinished holder when peers replace the same key concurrently', async () => {
      const running = await jobIn(ctx, 'processing', { uniqueKey: KEY });
      const storages = [ctx.storage];
      for (let peer = 1; peer < RACE_STORAGES; peer++) storages.push(await ctx.connectPeer());
      await Promise.all(storages.map((storage, index) => replaceRepeatedly(ctx, storage, index)));
      const stored = await ctx.storage.list({ limit: 100, offset: 0 });
      const holders = stored.filter((job) => job.uniqueKey === KEY);
      expect(holders.map((job) => job.state)).toEqual(['enqueued']);
      expect(stored.find((job) => job.id === running.id)).toMatchObject({ state: 'processing', uniqueKey: null });
      expect(stored).toHaveLength(2);
    });
  });
}

/** A due-now job with onDuplicate 'replace' on KEY. */
function replacing(ctx: ConformanceContext, overrides: Parameters<typeof newJob>[1] = {}) {
  return newJob(ctx, { uniqueKey: KEY, onDuplicate: 'replace', ...overrides });
}

/** RACE_REPLACES replaces of KEY, one after another, each answered with a job that exists. */
async function replaceRepeatedly(ctx: ConformanceContext, storage: Storage, seed: number): Promise<void> {
  for (let round = 0; round < RACE_REPLACES; round++) {
    const [result] = await storage.enqueue({ jobs: [replacing(ctx, { payloadValue: { seed, round } })] });
    expect(await storage.get(result?.id ?? '')).not.toBeNull();
  }
}
