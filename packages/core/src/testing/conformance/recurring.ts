// recurring.ts: conformance of recurring definitions: `upsertRecurring`, `removeRecurring`, `listRecurring`,
// `listDueRecurring` and `fireRecurring`, whose compare-and-set makes N racing servers fire each tick exactly once.
import { describe, expect, it } from 'vitest';
import { EventHub } from '../../events.js';
import type { JobState, NewJob } from '../../job.js';
import { silentLogger } from '../../logger.js';
import { firingKey, RecurringPoller } from '../../server/recurring.js';
import type { FireRecurringParams, RecurringDefinition, Storage } from '../../storage.js';
import type { ConformanceContext } from './context.js';
import {
  claim,
  enqueueJob,
  fromNow,
  HOUR_MS,
  jobIn,
  jobTotal,
  leaseOf,
  makeDefinition,
  mustGet,
  newJob,
  only,
  SECOND_MS,
  UNFINISHED_STATES,
} from './fixtures.js';

/** The firing of `def` at its stored nextRunAt, as the recurring poller builds it. */
function firingOf(ctx: ConformanceContext, def: RecurringDefinition): NewJob {
  return newJob(ctx, {
    method: def.method,
    payload: def.payload,
    queue: def.queue,
    uniqueKey: `recurring:${def.id}:${def.nextRunAt.getTime()}`,
  });
}

/** The one stored definition with `id`. */
async function storedDefinition(ctx: ConformanceContext, id: string): Promise<RecurringDefinition> {
  const found = (await ctx.storage.listRecurring()).filter((def) => def.id === id);
  return only(found);
}

/** A definition under overlap 'skip', due now, whose previous firing's job is in `state`, and its next firing. */
async function afterPreviousFiring(
  ctx: ConformanceContext,
  state: JobState,
): Promise<{ def: RecurringDefinition; previous: string; params: FireRecurringParams & { job: NewJob } }> {
  const lastRunAt = ctx.clock.now();
  const stored = makeDefinition(ctx, { overlap: 'skip', lastRunAt, nextRunAt: fromNow(ctx, SECOND_MS) });
  const def = await ctx.storage.upsertRecurring(stored);
  const previous = await jobIn(ctx, state, { uniqueKey: firingKey(def.id, lastRunAt) });
  ctx.clock.set(def.nextRunAt);
  const params = {
    id: def.id,
    expectedRunAt: def.nextRunAt,
    nextRunAt: fromNow(ctx, HOUR_MS),
    job: firingOf(ctx, def),
    skipWhileUnfinished: firingKey(def.id, lastRunAt),
  };
  return { def, previous: previous.id, params };
}

/** Ticks of the race test: enough that a poller reading a definition a peer just advanced shows up. */
const RACE_TICKS = 10;

/** A recurring poller as a server builds it, over `storage` and the test's clock; counts its firings per tick. */
function racingPoller(ctx: ConformanceContext, storage: Storage, firedAt: Map<number, number>): RecurringPoller {
  const events = new EventHub(silentLogger);
  events.on('recurringFired', ({ fireAt }) => {
    firedAt.set(fireAt.getTime(), (firedAt.get(fireAt.getTime()) ?? 0) + 1);
  });
  const config = { pollIntervalMs: SECOND_MS, misfireToleranceMs: SECOND_MS };
  return new RecurringPoller({ clock: ctx.clock, events, logger: silentLogger }, storage, config, () => {});
}

/** How many stored jobs carry each firing tick of definition `id` (its uniqueKey `recurring:<id>:<tick ms>`). */
async function jobsPerTick(storage: Storage, id: string): Promise<Map<number, number>> {
  const prefix = `recurring:${id}:`;
  const perTick = new Map<number, number>();
  for (const job of await storage.list({ limit: 10 * RACE_TICKS, offset: 0 })) {
    if (!job.uniqueKey?.startsWith(prefix)) continue;
    const tick = Number(job.uniqueKey.slice(prefix.length));
    perTick.set(tick, (perTick.get(tick) ?? 0) + 1);
  }
  return perTick;
}

export function recurringConformance(ctx: ConformanceContext): void {
  describe('upsertRecurring', () => {
    it('inserts a definition and returns it as stored', async () => {
      const def = makeDefinition(ctx, {
        metadata: { team: 'ops' },
        timeoutMs: 60_000,
        priority: 3,
        misfire: 'skip',
        overlap: 'skip',
      });
      expect(await ctx.storage.upsertRecurring(def)).toEqual(def);
      expect(await ctx.storage.listRecurring()).toEqual([def]);
    });

    it('replaces every field but keeps nextRunAt, lastRunAt and createdAt when cron and timezone are unchanged', async () => {
      const original = makeDefinition(ctx);
      await ctx.storage.upsertRecurring(original);
      ctx.clock.set(original.nextRunAt);
      const nextRunAt = fromNow(ctx, 24 * HOUR_MS);
      const fired = { id: original.id, expectedRunAt: original.nextRunAt, nextRunAt, job: firingOf(ctx, original) };
      expect(await ctx.storage.fireRecurring(fired)).toBe('fired');
      ctx.clock.advance(1_000);

      const changed = makeDefinition(ctx, {
        method: 'cleanup_v2',
        payload: '{"deep":false}',
        queue: 'maintenance',
        priority: -1,
        maxAttempts: 9,
        timeoutMs: 5_000,
        metadata: { owner: 'ops' },
        misfire: 'skip',
        overlap: 'skip',
        nextRunAt: fromNow(ctx, 5 * 60_000),
      });
      const kept = { nextRunAt, lastRunAt: original.nextRunAt, createdAt: original.createdAt };
      expect(await ctx.storage.upsertRecurring(changed)).toEqual({ ...changed, ...kept });
      expect(await ctx.storage.listRecurring()).toEqual([{ ...changed, ...kept }]);
    });

    it('takes the new nextRunAt but keeps createdAt when the cron changes, and the given lastRunAt when none is stored', async () => {
      const original = await ctx.storage.upsertRecurring(makeDefinition(ctx));
      ctx.clock.advance(HOUR_MS);
      const changed = makeDefinition(ctx, {
        cron: '*/5 * * * *',
        nextRunAt: fromNow(ctx, 5 * 60_000),
        lastRunAt: fromNow(ctx, -60_000),
      });
      const stored = { ...changed, createdAt: original.createdAt };
      expect(await ctx.storage.upsertRecurring(changed)).toEqual(stored);
      expect(await storedDefinition(ctx, changed.id)).toEqual(stored);
    });

    it('keeps the stored lastRunAt (the last firing, which overlap reads) when the schedule changes', async () => {
      const lastRunAt = ctx.clock.now();
      const original = await ctx.storage.upsertRecurring(makeDefinition(ctx, { lastRunAt }));
      ctx.clock.advance(HOUR_MS);
      const changed = makeDefinition(ctx, {
        cron: '*/5 * * * *',
        nextRunAt: fromNow(ctx, 5 * 60_000),
        lastRunAt: null,
      });
      const stored = { ...changed, lastRunAt, createdAt: original.createdAt };
      expect(await ctx.storage.upsertRecurring(changed)).toEqual(stored);
      expect(await storedDefinition(ctx, changed.id)).toEqual(stored);
    });

    it('takes the new nextRunAt but keeps createdAt when the timezone changes', async () => {
      const original = await ctx.storage.upsertRecurring(makeDefinition(ctx));
      ctx.clock.advance(HOUR_MS);
      const changed = makeDefinition(ctx, { timezone: 'Asia/Tokyo', nextRunAt: fromNow(ctx, 2 * HOUR_MS) });
      const stored = { ...changed, createdAt: original.createdAt };
      expect(await ctx.storage.upsertRecurring(changed)).toEqual(stored);
      expect(await storedDefinition(ctx, changed.id)).toEqual(stored);
    });
  });

  describe('listRecurring', () => {
    it('lists every definition', async () => {
      const defs = ['b', 'c', 'a'].map((id) => makeDefinition(ctx, { id }));
      for (const def of defs) await ctx.storage.upsertRecurring(def);
      const listed = await ctx.storage.listRecurring();
      expect([...listed].sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual([defs[2], defs[0], defs[1]]);
    });

    it('returns an empty array when there is none', async () => {
      expect(await ctx.storage.listRecurring()).toEqual([]);
    });
  });

  describe('removeRecurring', () => {
    it('removes the definition and returns true, then false', async () => {
      await ctx.storage.upsertRecurring(makeDefinition(ctx, { id: 'a' }));
      const b = await ctx.storage.upsertRecurring(makeDefinition(ctx, { id: 'b' }));
      expect(await ctx.storage.removeRecurring('a')).toBe(true);
      expect(await ctx.storage.listRecurring()).toEqual([b]);
      expect(await ctx.storage.removeRecurring('a')).toBe(false);
      expect(await ctx.storage.listRecurring()).toEqual([b]);
    });
  });

  describe('listDueRecurring', () => {
    it('returns definitions due by now, earliest nextRunAt first', async () => {
      const offsets: Record<string, number> = { a: 3_000, b: 1_000, c: 2_000, d: 10_000 };
      for (const [id, offset] of Object.entries(offsets)) {
        await ctx.storage.upsertRecurring(makeDefinition(ctx, { id, nextRunAt: fromNow(ctx, offset) }));
      }
      expect(await ctx.storage.listDueRecurring(ctx.clock.now())).toEqual([]);
      ctx.clock.advance(2_000);
      const due = await ctx.storage.listDueRecurring(ctx.clock.now());
      expect(due.map((def) => def.id)).toEqual(['b', 'c']);
      expect(due[0]).toEqual(await storedDefinition(ctx, 'b'));
    });

    it('leaves out a definition whose nextRunAt was advanced past now, as a peer firing it does', async () => {
      const def = await ctx.storage.upsertRecurring(makeDefinition(ctx));
      ctx.clock.set(def.nextRunAt);
      const peer = await ctx.connectPeer();
      const fire = { id: def.id, expectedRunAt: def.nextRunAt, nextRunAt: fromNow(ctx, HOUR_MS), job: null };
      expect(await peer.fireRecurring(fire)).toBe('skipped');
      expect(await ctx.storage.listDueRecurring(ctx.clock.now())).toEqual([]);
    });
  });

  describe('fireRecurring', () => {
    it("moves nextRunAt, records lastRunAt, sets updatedAt and enqueues the firing, returning 'fired'", async () => {
      const def = await ctx.storage.upsertRecurring(makeDefinition(ctx));
      ctx.clock.set(def.nextRunAt);
      const job = firingOf(ctx, def);
      const nextRunAt = fromNow(ctx, 24 * HOUR_MS);
      expect(await ctx.storage.fireRecurring({ id: def.id, expectedRunAt: def.nextRunAt, nextRunAt, job })).toBe(
        'fired',
      );
      const updatedAt = ctx.clock.now();
      expect(await storedDefinition(ctx, def.id)).toEqual({ ...def, nextRunAt, lastRunAt: def.nextRunAt, updatedAt });
      expect(await mustGet(ctx.storage, job.id)).toMatchObject({
        state: 'enqueued',
        method: def.method,
        payload: { deep: true },
        uniqueKey: job.uniqueKey,
      });
      expect(await ctx.storage.listDueRecurring(ctx.clock.now())).toEqual([]);
    });

    it("moves only nextRunAt, enqueueing nothing and keeping lastRunAt, when job is null, returning 'skipped'", async () => {
      const def = await ctx.storage.upsertRecurring(makeDefinition(ctx, { misfire: 'skip' }));
      ctx.clock.set(def.nextRunAt);
      const nextRunAt = fromNow(ctx, 24 * HOUR_MS);
      const skip = { id: def.id, expectedRunAt: def.nextRunAt, nextRunAt, job: null };
      expect(await ctx.storage.fireRecurring(skip)).toBe('skipped');
      expect(await storedDefinition(ctx, def.id)).toEqual({
        ...def,
        nextRunAt,
        lastRunAt: null,
        updatedAt: ctx.clock.now(),
      });
      expect(await jobTotal(ctx.storage)).toBe(0);
      expect(await ctx.storage.fireRecurring(skip)).toBe(false);
      expect((await storedDefinition(ctx, def.id)).nextRunAt).toEqual(nextRunAt);
    });

    it('returns false and changes nothing when expectedRunAt is stale', async () => {
      const def = await ctx.storage.upsertRecurring(makeDefinition(ctx));
      ctx.clock.set(def.nextRunAt);
      const job = firingOf(ctx, def);
      const stale = new Date(def.nextRunAt.getTime() - 1);
      const nextRunAt = fromNow(ctx, HOUR_MS);
      expect(await ctx.storage.fireRecurring({ id: def.id, expectedRunAt: stale, nextRunAt, job })).toBe(false);
      expect(await ctx.storage.listRecurring()).toEqual([def]);
      expect(await jobTotal(ctx.storage)).toBe(0);
    });

    it('returns false and changes nothing when expectedRunAt is a stored nextRunAt still in the future', async () => {
      const def = await ctx.storage.upsertRecurring(makeDefinition(ctx, { nextRunAt: fromNow(ctx, SECOND_MS) }));
      const job = firingOf(ctx, def);
      const nextRunAt = new Date(def.nextRunAt.getTime() + SECOND_MS);
      expect(await ctx.storage.fireRecurring({ id: def.id, expectedRunAt: def.nextRunAt, nextRunAt, job })).toBe(false);
      const skip = { id: def.id, expectedRunAt: def.nextRunAt, nextRunAt, job: null };
      expect(await ctx.storage.fireRecurring(skip)).toBe(false);
      expect(await ctx.storage.listRecurring()).toEqual([def]);
      expect(await jobTotal(ctx.storage)).toBe(0);
    });

    it('returns false and enqueues nothing for an unknown definition', async () => {
      const def = makeDefinition(ctx);
      const params = { id: 'ghost', expectedRunAt: def.nextRunAt, nextRunAt: fromNow(ctx, 2 * HOUR_MS) };
      expect(await ctx.storage.fireRecurring({ ...params, job: firingOf(ctx, def) })).toBe(false);
      expect(await jobTotal(ctx.storage)).toBe(0);
      expect(await ctx.storage.listRecurring()).toEqual([]);
    });

    it('fires a tick exactly once when two peers race it', async () => {
      const def = await ctx.storage.upsertRecurring(makeDefinition(ctx));
      ctx.clock.set(def.nextRunAt);
      const [a, b] = await Promise.all([ctx.connectPeer(), ctx.connectPeer()]);
      const nextRunAt = fromNow(ctx, 24 * HOUR_MS);
      const jobs = [firingOf(ctx, def), firingOf(ctx, def)] as const;
      const results = await Promise.all([
        a.fireRecurring({ id: def.id, expectedRunAt: def.nextRunAt, nextRunAt, job: jobs[0] }),
        b.fireRecurring({ id: def.id, expectedRunAt: def.nextRunAt, nextRunAt, job: jobs[1] }),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await jobTotal(ctx.storage)).toBe(1);
      const winner = results[0] ? jobs[0] : jobs[1];
      const loser = results[0] ? jobs[1] : jobs[0];
      expect(await mustGet(ctx.storage, winner.id)).toMatchObject({ state: 'enqueued' });
      expect(await ctx.storage.get(loser.id)).toBeNull();
      expect(await storedDefinition(ctx, def.id)).toMatchObject({ nextRunAt, lastRunAt: def.nextRunAt });
    });

    it("moves nextRunAt but writes no second job while the firing's uniqueKey is held", async () => {
      const def = await ctx.storage.upsertRecurring(makeDefinition(ctx));
      ctx.clock.set(def.nextRunAt);
      const holder = await enqueueJob(ctx, { uniqueKey: firingOf(ctx, def).uniqueKey });
      const job = firingOf(ctx, def);
      const nextRunAt = fromNow(ctx, 24 * HOUR_MS);
      expect(await ctx.storage.fireRecurring({ id: def.id, expectedRunAt: def.nextRunAt, nextRunAt, job })).toBe(
        'fired',
      );
      expect(await ctx.storage.get(job.id)).toBeNull();
      expect(await mustGet(ctx.storage, holder.id)).toEqual(holder);
      expect(await jobTotal(ctx.storage)).toBe(1);
      expect((await storedDefinition(ctx, def.id)).nextRunAt).toEqual(nextRunAt);
    });

    it('compares expectedRunAt to the millisecond', async () => {
      const def = await ctx.storage.upsertRecurring(makeDefinition(ctx, { nextRunAt: fromNow(ctx, 1_234) }));
      ctx.clock.set(def.nextRunAt);
      const job = firingOf(ctx, def);
      const nextRunAt = fromNow(ctx, HOUR_MS);
      const late = new Date(def.nextRunAt.getTime() + 1);
      expect(await ctx.storage.fireRecurring({ id: def.id, expectedRunAt: late, nextRunAt, job })).toBe(false);
      const exact = new Date(def.nextRunAt.getTime());
      expect(await ctx.storage.fireRecurring({ id: def.id, expectedRunAt: exact, nextRunAt, job })).toBe('fired');
      expect(await jobTotal(ctx.storage)).toBe(1);
    });
  });

  describe('fireRecurring with skipWhileUnfinished (overlap skip)', () => {
    for (const state of UNFINISHED_STATES) {
      it(`consumes the tick, enqueueing nothing and keeping lastRunAt, while the previous firing is ${state}`, async () => {
        const { def, previous, params } = await afterPreviousFiring(ctx, state);
        const before = await mustGet(ctx.storage, previous);
        expect(await ctx.storage.fireRecurring(params)).toBe('skipped');
        const updatedAt = ctx.clock.now();
        expect(await storedDefinition(ctx, def.id)).toEqual({ ...def, nextRunAt: params.nextRunAt, updatedAt });
        expect(await ctx.storage.get(params.job.id)).toBeNull();
        expect(await mustGet(ctx.storage, previous)).toEqual(before);
        expect(await jobTotal(ctx.storage)).toBe(1);
      });
    }

    for (const state of ['succeeded', 'failed', 'deleted'] as const) {
      it(`fires the tick once the previous firing is ${state}`, async () => {
        const { def, params } = await afterPreviousFiring(ctx, state);
        expect(await ctx.storage.fireRecurring(params)).toBe('fired');
        const stored = await storedDefinition(ctx, def.id);
        expect(stored).toMatchObject({ nextRunAt: params.nextRunAt, lastRunAt: def.nextRunAt });
        const job = await mustGet(ctx.storage, params.job.id);
        expect(job).toMatchObject({ state: 'enqueued', uniqueKey: params.job.uniqueKey });
      });
    }

    it('fires the tick when the previous firing was removed', async () => {
      const { params, previous } = await afterPreviousFiring(ctx, 'processing');
      expect(await ctx.storage.delete(previous)).toBe(true);
      expect(await ctx.storage.fireRecurring(params)).toBe('fired');
      expect(await mustGet(ctx.storage, params.job.id)).toMatchObject({ state: 'enqueued' });
    });

    it('fires while the previous firing is unfinished when skipWhileUnfinished is null (overlap allow)', async () => {
      const { params } = await afterPreviousFiring(ctx, 'processing');
      expect(await ctx.storage.fireRecurring({ ...params, skipWhileUnfinished: null })).toBe('fired');
      expect(await mustGet(ctx.storage, params.job.id)).toMatchObject({ state: 'enqueued' });
      expect(await jobTotal(ctx.storage)).toBe(2);
    });

    it('lets exactly one of two racing peers consume the tick while the previous firing is unfinished', async () => {
      const { def, params } = await afterPreviousFiring(ctx, 'processing');
      const [a, b] = await Promise.all([ctx.connectPeer(), ctx.connectPeer()]);
      const results = await Promise.all([
        a.fireRecurring(params),
        b.fireRecurring({ ...params, job: firingOf(ctx, def) }),
      ]);
      expect(results.filter((result) => result !== false)).toEqual(['skipped']);
      expect(await jobTotal(ctx.storage)).toBe(1);
      expect(await storedDefinition(ctx, def.id)).toMatchObject({
        nextRunAt: params.nextRunAt,
        lastRunAt: def.lastRunAt,
      });
    });

    it('lets exactly one of two racing peers fire the tick once the previous firing finished', async () => {
      const { def, params } = await afterPreviousFiring(ctx, 'succeeded');
      const [a, b] = await Promise.all([ctx.connectPeer(), ctx.connectPeer()]);
      const rival = firingOf(ctx, def);
      const results = await Promise.all([a.fireRecurring(params), b.fireRecurring({ ...params, job: rival })]);
      expect(results.filter((result) => result !== false)).toEqual(['fired']);
      expect(await jobTotal(ctx.storage)).toBe(2);
      const winner = results[0] ? params.job : rival;
      expect(await mustGet(ctx.storage, winner.id)).toMatchObject({ state: 'enqueued' });
      expect(await storedDefinition(ctx, def.id)).toMatchObject({ lastRunAt: def.nextRunAt });
    });
  });

  describe('recurring pollers racing', () => {
    it('fire each tick of a per-second definition exactly once, and never a tick still to come', async () => {
      const firstTick = Math.ceil((ctx.clock.now().getTime() + 1) / SECOND_MS) * SECOND_MS;
      const def = makeDefinition(ctx, { id: 'every-second', cron: '* * * * * *', timezone: 'UTC' });
      await ctx.storage.upsertRecurring({ ...def, nextRunAt: new Date(firstTick) });
      // Three servers, each over its own connection where the backend has one.
      const storages = [ctx.storage, await ctx.connectPeer(), await ctx.connectPeer()];
      const firedAt = new Map<number, number>();
      const pollers = storages.map((storage) => racingPoller(ctx, storage, firedAt));

      for (let tick = firstTick; tick < firstTick + RACE_TICKS * SECOND_MS; tick += SECOND_MS) {
        ctx.clock.set(new Date(tick));
        await Promise.all(pollers.map((poller) => poller.runOnce()));
        const perTick = await jobsPerTick(ctx.storage, def.id);
        const early = [...perTick.keys()].filter((at) => at > tick);
        expect(early, `jobs for ticks after ${new Date(tick).toISOString()}`).toEqual([]);
        expect(perTick.get(tick), `jobs for ${new Date(tick).toISOString()}`).toBe(1);
        expect(firedAt.get(tick), `firings of ${new Date(tick).toISOString()}`).toBe(1);
      }
      expect(await jobTotal(ctx.storage)).toBe(RACE_TICKS);
    });

    it("fire no tick of an overlap 'skip' definition while its previous firing runs, then the next tick", async () => {
      const firstTick = Math.ceil((ctx.clock.now().getTime() + 1) / SECOND_MS) * SECOND_MS;
      const def = makeDefinition(ctx, { id: 'serial', cron: '* * * * * *', timezone: 'UTC', overlap: 'skip' });
      await ctx.storage.upsertRecurring({ ...def, nextRunAt: new Date(firstTick) });
      const storages = [ctx.storage, await ctx.connectPeer(), await ctx.connectPeer()];
      const firedAt = new Map<number, number>();
      const pollers = storages.map((storage) => racingPoller(ctx, storage, firedAt));
      const pollAt = async (tick: number) => {
        ctx.clock.set(new Date(tick));
        return (await Promise.all(pollers.map((poller) => poller.runOnce()))).reduce((sum, n) => sum + n, 0);
      };

      expect(await pollAt(firstTick)).toBe(1);
      const running = only(await claim(ctx));
      expect(running.uniqueKey).toBe(firingKey(def.id, new Date(firstTick)));
      for (let tick = firstTick + SECOND_MS; tick <= firstTick + 3 * SECOND_MS; tick += SECOND_MS) {
        expect(await pollAt(tick), `firings at ${new Date(tick).toISOString()}`).toBe(0);
      }
      expect(await jobTotal(ctx.storage)).toBe(1);
      const lastRunAt = new Date(firstTick);
      expect(await storedDefinition(ctx, def.id)).toMatchObject({ lastRunAt, nextRunAt: fromNow(ctx, SECOND_MS) });

      expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(running), to: 'succeeded' }] })).toEqual([true]);
      const nextTick = firstTick + 4 * SECOND_MS;
      expect(await pollAt(nextTick)).toBe(1);
      expect([...(await jobsPerTick(ctx.storage, def.id)).entries()]).toEqual([
        [firstTick, 1],
        [nextTick, 1],
      ]);
      expect([...firedAt.keys()]).toEqual([firstTick, nextTick]);
    });
  });
}
