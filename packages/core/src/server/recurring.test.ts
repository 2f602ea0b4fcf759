import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import type { RecurringFiredEvent } from '../events.js';
import { type RecurringInput, RecurringPoller, recurringDefinition } from './recurring.js';
import { advanceUntil, describeLoopLifecycle, makeLoopFixture, makeServer, settle } from './test-support.js';

function setup(start?: Date) {
  const { clock, memory, state, storage, context } = makeLoopFixture(start);
  let firedSignals = 0;
  const poller = new RecurringPoller(context, storage, { pollIntervalMs: 1000, misfireToleranceMs: 1000 }, () => {
    firedSignals++;
  });
  const schedule = (input: Partial<RecurringInput> & { id: string; cron: string }) =>
    memory.upsertRecurring(
      recurringDefinition({ method: 'tick', payload: { n: 1 }, options: {}, ...input }, clock.now()),
    );
  return { clock, memory, state, context, poller, schedule, fired: () => firedSignals };
}

describe('recurringDefinition', () => {
  const now = new Date(Date.UTC(2030, 0, 1));
  const build = (input: Partial<RecurringInput>) =>
    recurringDefinition({ id: 'r', cron: '* * * * *', method: 'm', payload: {}, options: undefined, ...input }, now);

  it('fills in defaults and the first tick after now', () => {
    expect(build({})).toMatchObject({
      id: 'r',
      cron: '* * * * *',
      timezone: 'UTC',
      queue: 'default',
      priority: 0,
      maxAttempts: 5,
      timeoutMs: null,
      misfire: 'once',
      overlap: 'allow',
      payload: '{}',
      nextRunAt: new Date(Date.UTC(2030, 0, 1, 0, 1)),
    });
  });

  const bad: [string, Partial<RecurringInput>, string][] = [
    ['an invalid cron', { cron: '61 * * * *' }, 'cron'],
    ['a 4-field cron', { cron: '* * * *' }, 'cron'],
    ['an unknown timezone', { options: { timezone: 'Mars/Olympus' } }, 'options.timezone'],
    ['an unknown option', { options: { every: 5 } as never }, 'options.every'],
    ['a bad misfire', { options: { misfire: 'all' as never } }, 'options.misfire'],
    ['a bad overlap', { options: { overlap: 'sometimes' as never } }, 'options.overlap'],
    ['a bad queue', { options: { queue: 'no spaces' } }, 'options.queue'],
    ['a bad priority', { options: { priority: 1.5 } }, 'options.priority'],
    ['an empty id', { id: '' }, 'id'],
    ['a payload that is not JSON', { payload: { n: 1n } }, 'payload'],
  ];
  for (const [what, input, field] of bad) {
    it(`rejects ${what} naming ${field}`, () => {
      let error: unknown;
      try {
        build(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field.startsWith(field)).toBe(true);
    });
  }
});

describe('RecurringPoller', () => {
  it('uses the default recurringPollIntervalMs: a server fires a per-second cron every second', async () => {
    const { clock, storage, server, registry } = makeServer({ enableCleanup: false });
    registry.register('tick', async () => null);
    await server.scheduleRecurring('every-second', '* * * * * *', 'tick', {});
    await server.start();
    await advanceUntil(clock, async () => (await storage.counts()).byState.succeeded >= 3, 1000, 10);
    expect((await storage.counts()).byState.succeeded).toBe(3);
    await server.stop();
  });

  it('fires every due definition in one pass, with the tick in the unique key', async () => {
    const { clock, memory, context, poller, schedule, fired } = setup();
    const events: RecurringFiredEvent[] = [];
    context.events.on('recurringFired', (e) => {
      events.push(e);
    });
    for (let i = 0; i < 12; i++) await schedule({ id: `r${i}`, cron: '* * * * *' });
    clock.advance(60_000);
    expect(await poller.runOnce()).toBe(12);
    expect(fired()).toBe(1);
    const jobs = await memory.list({ limit: 100, offset: 0 });
    const tick = clock.now().getTime();
    expect(jobs.map((j) => j.uniqueKey).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `recurring:r${i}:${tick}`).sort(),
    );
    expect(jobs[0]).toMatchObject({ method: 'tick', payload: { n: 1 }, state: 'enqueued', runAt: clock.now() });
    expect(events).toHaveLength(12);
    expect(events[0]!.fireAt).toEqual(clock.now());
    expect(await poller.runOnce()).toBe(0);
  });

  it('reports a definition whose next tick passes the latest storable instant, firing nothing', async () => {
    const { clock, memory, context, poller, schedule } = setup(new Date(Date.UTC(9999, 11, 31, 23, 0)));
    await schedule({ id: 'r', cron: '30 23 * * *' });
    clock.set(Date.UTC(9999, 11, 31, 23, 30));
    expect(await poller.runOnce()).toBe(0);
    expect(context.errors).toEqual([
      expect.objectContaining({ error: expect.objectContaining({ name: 'ValidationError', field: 'cron' }) }),
    ]);
    expect(await memory.list({ limit: 10, offset: 0 })).toEqual([]);
  });

  it("fires one catch-up run after downtime with misfire 'once', then continues from now", async () => {
    const { clock, memory, poller, schedule } = setup();
    await schedule({ id: 'r', cron: '* * * * *' });
    clock.advance(10 * 60_000 + 5000);
    expect(await poller.runOnce()).toBe(1);
    expect(await poller.runOnce()).toBe(0);
    const [def] = await memory.listRecurring();
    expect(def!.nextRunAt).toEqual(new Date(Date.UTC(2030, 0, 1, 0, 11)));
    expect((await memory.list({ limit: 10, offset: 0 }))[0]!.uniqueKey).toBe(
      `recurring:r:${Date.UTC(2030, 0, 1, 0, 1)}`,
    );
  });

  it("fires nothing for a stale tick with misfire 'skip', and fires the next tick on time", async () => {
    const { clock, memory, poller, schedule } = setup();
    await schedule({ id: 'r', cron: '* * * * *', options: { misfire: 'skip' } });
    clock.advance(10 * 60_000 + 5000);
    expect(await poller.runOnce()).toBe(0);
    expect((await memory.counts()).byState.enqueued).toBe(0);
    clock.set(Date.UTC(2030, 0, 1, 0, 11, 0, 500));
    expect(await poller.runOnce()).toBe(1);
  });

  it("fires a DST-skipped '0 30 2 * * *' in Europe/Paris once across the spring-forward day", async () => {
    const { clock, memory, poller, schedule } = setup(new Date('2030-03-30T12:00:00Z'));
    await schedule({ id: 'night', cron: '0 30 2 * * *', options: { timezone: 'Europe/Paris' } });
    for (let hour = 0; hour < 24; hour++) {
      clock.advance(3_600_000);
      await poller.runOnce();
    }
    const jobs = await memory.list({ limit: 10, offset: 0 });
    expect(jobs.map((j) => j.uniqueKey)).toEqual([`recurring:night:${Date.parse('2030-03-31T01:30:00Z')}`]);
  });

  it('lets two servers on one storage fire a per-second cron exactly once per tick', async () => {
    const first = makeServer({ enableCleanup: false, enableHeartbeat: false });
    const second = makeServer({ enableCleanup: false, enableHeartbeat: false }, first);
    for (const { registry } of [first, second]) registry.register('tick', async () => null);
    await first.server.scheduleRecurring('pulse', '* * * * * *', 'tick', {});
    await Promise.all([first.server.start(), second.server.start()]);
    const { clock, storage } = first;
    for (let tick = 1; tick <= 5; tick++) {
      await settle();
      clock.advance(1000);
      await advanceUntil(clock, async () => (await storage.counts()).byState.succeeded === tick, 0, 20);
    }
    await Promise.all([first.server.stop(), second.server.stop()]);
    const keys = (await storage.list({ limit: 100, offset: 0 })).map((j) => j.uniqueKey);
    expect(keys).toHaveLength(5);
    expect(new Set(keys).size).toBe(5);
  });

  it('removes a definition through the server', async () => {
    const { server, storage } = makeServer();
    await server.scheduleRecurring('r', '* * * * *', 'tick', {});
    expect(await server.removeRecurring('r')).toBe(true);
    expect(await server.removeRecurring('r')).toBe(false);
    expect(await storage.listRecurring()).toEqual([]);
    await expect(server.scheduleRecurring('r', 'nope', 'tick', {})).rejects.toThrow(/cron/);
    await expect(server.scheduleRecurring('r', '* * * * *', 'tick', {}, { timezone: 'X/Y' })).rejects.toThrow(
      /options.timezone/,
    );
  });

  describe('overlap', () => {
    interface Run {
      startedAt: number;
      endedAt: number | null;
    }

    /** A per-second schedule whose handler takes 3.5 s, run by one server for 12.5 s of clock time. */
    async function runsOf(overlap: 'allow' | 'skip'): Promise<Run[]> {
      const { clock, server, registry } = makeServer({ enableCleanup: false, enableHeartbeat: false });
      const runs: Run[] = [];
      registry.register('slow', async (_payload, ctx) => {
        const run: Run = { startedAt: clock.now().getTime(), endedAt: null };
        runs.push(run);
        await clock.sleep(3500, ctx.signal);
        if (!ctx.signal.aborted) run.endedAt = clock.now().getTime();
        return null;
      });
      await server.scheduleRecurring('slow', '* * * * * *', 'slow', {}, { overlap });
      const until = clock.now().getTime() + 12_500;
      await server.start();
      await advanceUntil(clock, () => clock.now().getTime() >= until, 100);
      await server.stop();
      return runs;
    }

    /** The most runs in progress at once. */
    function mostAtOnce(runs: readonly Run[]): number {
      return Math.max(
        ...runs.map(
          ({ startedAt }) => runs.filter((r) => r.startedAt <= startedAt && (r.endedAt ?? Infinity) > startedAt).length,
        ),
      );
    }

    it("with 'skip' fires a tick only once the previous run finished", async () => {
      const runs = await runsOf('skip');
      // Ticks at 1 s, then the first tick after each 3.5 s run ends: 5 s and 9 s.
      expect(runs.map((run) => run.startedAt - runs[0]!.startedAt)).toEqual([0, 4000, 8000]);
      for (let i = 1; i < runs.length; i++) expect(runs[i]!.startedAt).toBeGreaterThanOrEqual(runs[i - 1]!.endedAt!);
      expect(mostAtOnce(runs)).toBe(1);
    });

    it("with 'allow' (the default) fires every tick, so runs overlap", async () => {
      const runs = await runsOf('allow');
      expect(runs).toHaveLength(12);
      expect(mostAtOnce(runs)).toBe(4);
    });
  });

  describeLoopLifecycle(() => {
    const { poller, clock, state, context } = setup();
    return { loop: poller, clock, state, errors: context.errors, method: 'listDueRecurring' };
  });
});
