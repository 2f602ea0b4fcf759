// recurring.ts: conformance of recurring definitions: `upsertRecurring`, `removeRecurring`, `listRecurring`,
// `listDueRecurring` and `fireRecurring`, whose compare-and-set makes N racing servers fire each tick exactly once.
import { describe, expect, it } from 'vitest';
import { EventHub } from '../../events.js';
import type { NewJob } from '../../job.js';
import { silentLogger } from '../../logger.js';
import { RecurringPoller } from '../../server/recurring.js';
import type { RecurringDefinition, Storage } from '../../storage.js';
import type { ConformanceContext } from './context.js';
import {
  enqueueJob,
  fromNow,
  HOUR_MS,
  jobTotal,
  makeDefinition,
  mustGet,
  newJob,
  only,
  SECOND_MS,
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
      const def = makeDefinition(ctx, { metadata: { team: 'ops' }, timeoutMs: 60_000, priority: 3, misfire: 'skip' });
      expect(await ctx.storage.upsertRecurring(def)).toEqual(def);
      expect(await ctx.storage.listRecurring()).toEqual([def]);
    });

    it('replaces every field but keeps nextRunAt, lastRunAt and createdAt when cron and timezone are unchanged', async () => {
      const original = makeDefinition(ctx);
      await ctx.storage.upsertRecurring(original);
      ctx.clock.set(original.nextRunAt);
      const nextRunAt = fromNow(ctx, 24 * HOUR_MS);
      const fired = { id: original.id, expectedRunAt: original.nextRunAt, nextRunAt, job: firingOf(ctx, original) };
      expect(await ctx.storage.fireRecurring(fired)).toBe(true);
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
        nextRunAt: fromNow(ctx, 5 * 60_000),
      });
      const kept = { nextRunAt, lastRunAt: original.nextRunAt, createdAt: original.createdAt };
      expect(await ctx.storage.upsertRecurring(changed)).toEqual({ ...changed, ...kept });
      expect(await ctx.storage.listRecurring()).toEqual([{ ...changed, ...kept }]);
    });

    it('takes the new nextRunAt and lastRunAt but keeps createdAt when the cron changes', async () => {
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
      expect(await peer.fireRecurring(fire)).toBe(true);
      expect(await ctx.storage.listDueRecurring(ctx.clock.now())).toEqual([]);
    });
  });

  describe('fireRecurring', () => {
    it('moves nextRunAt, records lastRunAt, sets updatedAt and enqueues the firing, returning true', async () => {
      const def = await ctx.storage.upsertRecurring(makeDefinition(ctx));
      ctx.clock.set(def.nextRunAt);
      const job = firingOf(ctx, def);
      const nextRunAt = fromNow(ctx, 24 * HOUR_MS);
      expect(await ctx.storage.fireRecurring({ id: def.id, expectedRunAt: def.nextRunAt, nextRunAt, job })).toBe(true);
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

    it('moves only nextRunAt, enqueueing nothing and keeping lastRunAt, when job is null (a skipped misfire)', async () => {
      const def = await ctx.storage.upsertRecurring(makeDefinition(ctx, { misfire: 'skip' }));
      ctx.clock.set(def.nextRunAt);
      const nextRunAt = fromNow(ctx, 24 * HOUR_MS);
      const skip = { id: def.id, expectedRunAt: def.nextRunAt, nextRunAt, job: null };
      expect(await ctx.storage.fireRecurring(skip)).toBe(true);
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
      expect(await ctx.storage.fireRecurring({ id: def.id, expectedRunAt: def.nextRunAt, nextRunAt, job })).toBe(true);
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
      expect(await ctx.storage.fireRecurring({ id: def.id, expectedRunAt: exact, nextRunAt, job })).toBe(true);
      expect(await jobTotal(ctx.storage)).toBe(1);
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
  });
}
