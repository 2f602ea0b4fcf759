// dates.ts: conformance of every duration and date input over each backend: whatever a caller, a config, a retry
// policy or a handler names, the instant it leads to is one every store holds (validation.ts MAX_INSTANT_MS). Past
// that it is a ValidationError or ConfigError naming the field and nothing is stored, and the bound itself reads back.
import { describe, expect, it } from 'vitest';
import { JobClient } from '../../client.js';
import type { EnqueueOptions } from '../../enqueue-options.js';
import { ConfigError, ValidationError } from '../../errors.js';
import type { Job, JobState } from '../../job.js';
import { silentLogger } from '../../logger.js';
import { WorkerRegistry } from '../../registry.js';
import type { RetryPolicy } from '../../retry.js';
import type { ServerConfig } from '../../server/config.js';
import type { RecurringOptions } from '../../server/recurring.js';
import { BackgroundJobServer } from '../../server/server.js';
import { MAX_DURATION_MS, MAX_INSTANT_MS } from '../../validation.js';
import { WorkerResult } from '../../worker-result.js';
import { eventually } from '../process-kit/eventually.js';
import type { ConformanceContext } from './context.js';
import { jobTotal, mustGet } from './fixtures.js';

/** The latest Date JavaScript can hold: far past what jobsmith lets anyone store. */
const LATEST_JS_DATE_MS = 8_640_000_000_000_000;

/** Milliseconds from the clock's now to MAX_INSTANT_MS: the largest delay an enqueue may ask for. */
function largestDelay(ctx: ConformanceContext): number {
  return MAX_INSTANT_MS - ctx.clock.now().getTime();
}

interface BadEnqueue {
  what: string;
  field: string;
  options(ctx: ConformanceContext): EnqueueOptions;
}

const BAD_ENQUEUES: readonly BadEnqueue[] = [
  { what: 'delayMs 1e20', field: 'options.delayMs', options: () => ({ delayMs: 1e20 }) },
  { what: 'delayMs MAX_SAFE_INTEGER', field: 'options.delayMs', options: () => ({ delayMs: Number.MAX_SAFE_INTEGER }) },
  {
    what: 'a delayMs 1 ms past the latest instant',
    field: 'options.delayMs',
    options: (ctx) => ({ delayMs: largestDelay(ctx) + 1 }),
  },
  {
    what: 'a fractional delayMs that rounds up past the latest instant',
    field: 'options.delayMs',
    options: (ctx) => ({ delayMs: largestDelay(ctx) + 0.5 }),
  },
  {
    what: 'a runAt 1 ms past the latest instant',
    field: 'options.runAt',
    options: () => ({ runAt: new Date(MAX_INSTANT_MS + 1) }),
  },
  {
    what: 'the latest JS Date as runAt',
    field: 'options.runAt',
    options: () => ({ runAt: new Date(LATEST_JS_DATE_MS) }),
  },
  { what: 'a runAt before 1970', field: 'options.runAt', options: () => ({ runAt: new Date(-1) }) },
  { what: 'a timeoutMs above int32', field: 'options.timeoutMs', options: () => ({ timeoutMs: 2 ** 31 }) },
];

/** A server over the test's storage that only claims and runs (no other loop), with `config` on top. */
function makeServer(ctx: ConformanceContext, config: ServerConfig = {}) {
  const registry = new WorkerRegistry();
  const quiet: ServerConfig = {
    workerCount: 1,
    logger: silentLogger,
    enableScheduler: false,
    enableRecurring: false,
    enableCleanup: false,
    enableHeartbeat: false,
  };
  const server = new BackgroundJobServer({ ...quiet, ...config }, ctx.storage, registry);
  return { server, registry };
}

/** Runs one job of `method` on `server` (started here, stopped after) until it leaves enqueued and processing. */
async function runToEnd(ctx: ConformanceContext, server: BackgroundJobServer, method: string): Promise<Job> {
  const id = await new JobClient(ctx.storage).enqueue(method, {}, { maxAttempts: 2 });
  await server.start();
  const busy: readonly JobState[] = ['enqueued', 'processing'];
  try {
    // Real time, bounded: the run's write is the server's, and nothing here sends the test an event it could await.
    return await eventually(
      async () => {
        const job = await mustGet(ctx.storage, id);
        return busy.includes(job.state) ? undefined : job;
      },
      `job ${id} to leave processing`,
      { timeoutMs: 5000, intervalMs: 10 },
    );
  } finally {
    await server.stop();
  }
}

const BAD_CONFIGS: readonly { what: string; field: string; config: ServerConfig }[] = [
  { what: 'succeededTtlMs near MAX_SAFE_INTEGER', field: 'succeededTtlMs', config: { succeededTtlMs: 2 ** 53 - 2 } },
  { what: 'failedTtlMs near MAX_SAFE_INTEGER', field: 'failedTtlMs', config: { failedTtlMs: 2 ** 53 - 2 } },
  {
    what: 'succeededTtlMs 1 ms past the bound',
    field: 'succeededTtlMs',
    config: { succeededTtlMs: MAX_DURATION_MS + 1 },
  },
  { what: 'failedTtlMs 1 ms past the bound', field: 'failedTtlMs', config: { failedTtlMs: MAX_DURATION_MS + 1 } },
  { what: 'jobTimeoutMs above int32', field: 'jobTimeoutMs', config: { jobTimeoutMs: 2 ** 31 } },
  {
    what: 'a fixed retry delay of 1e20',
    field: 'retryPolicy.delayMs',
    config: { retryPolicy: { type: 'fixed', delayMs: 1e20 } },
  },
  {
    what: 'a linear retry cap of 1e20',
    field: 'retryPolicy.maxDelayMs',
    config: { retryPolicy: { type: 'linear', delayMs: 1000, maxDelayMs: 1e20 } },
  },
  {
    what: 'an exponential initial delay of 1e20',
    field: 'retryPolicy.initialDelayMs',
    config: { retryPolicy: { type: 'exponential', initialDelayMs: 1e20 } },
  },
  {
    what: 'an exponential retry cap past the bound',
    field: 'retryPolicy.maxDelayMs',
    config: { retryPolicy: { type: 'exponential', maxDelayMs: MAX_DURATION_MS + 1 } },
  },
  {
    what: 'an infinite exponential factor',
    field: 'retryPolicy.factor',
    config: { retryPolicy: { type: 'exponential', factor: Number.POSITIVE_INFINITY } },
  },
];

/** Custom policies whose delay no store can hold: each fails the job instead of leaving it in `processing`. */
const BAD_POLICIES: readonly { what: string; policy: RetryPolicy }[] = [
  { what: '1e20', policy: () => 1e20 },
  { what: 'MAX_SAFE_INTEGER', policy: () => Number.MAX_SAFE_INTEGER },
  { what: 'NaN', policy: () => Number.NaN },
  { what: 'Infinity', policy: () => Number.POSITIVE_INFINITY },
];

export function datesConformance(ctx: ConformanceContext): void {
  describe('dates and durations: JobClient', () => {
    for (const bad of BAD_ENQUEUES) {
      it(`rejects ${bad.what} with a ValidationError naming the field, storing nothing`, async () => {
        const attempt = new JobClient(ctx.storage).enqueue('test', {}, bad.options(ctx));
        await expect(attempt).rejects.toBeInstanceOf(ValidationError);
        await expect(attempt).rejects.toMatchObject({ field: bad.field });
        expect(await jobTotal(ctx.storage)).toBe(0);
      });
    }

    it('stores none of an enqueueMany batch with one unstorable date, naming that item', async () => {
      const client = new JobClient(ctx.storage);
      const good = { method: 'test', payload: {} };
      const delayed = client.enqueueMany([good, { ...good, options: { delayMs: 1e20 } }]);
      await expect(delayed).rejects.toMatchObject({ name: 'ValidationError', field: 'items[1].options.delayMs' });
      const late = client.enqueueMany([{ ...good, options: { runAt: new Date(MAX_INSTANT_MS + 1) } }, good]);
      await expect(late).rejects.toMatchObject({ name: 'ValidationError', field: 'items[0].options.runAt' });
      expect(await jobTotal(ctx.storage)).toBe(0);
    });

    it('stores the largest delayMs as the latest instant and reads it back unchanged, not yet due', async () => {
      const client = new JobClient(ctx.storage);
      const id = await client.enqueue('test', {}, { delayMs: largestDelay(ctx) });
      expect(await mustGet(ctx.storage, id)).toMatchObject({ state: 'scheduled', runAt: new Date(MAX_INSTANT_MS) });
      const [other] = await client.enqueueMany([
        { method: 'test', payload: {}, options: { delayMs: largestDelay(ctx) } },
      ]);
      expect((await mustGet(ctx.storage, other!)).runAt).toEqual(new Date(MAX_INSTANT_MS));
      expect(await ctx.storage.promoteDue({ now: ctx.clock.now(), limit: 10 })).toEqual([]);
    });

    it('stores runAt at both ends of the range and reads each back unchanged', async () => {
      const client = new JobClient(ctx.storage);
      const latest = await client.enqueue('test', {}, { runAt: new Date(MAX_INSTANT_MS) });
      const earliest = await client.enqueue('test', {}, { runAt: new Date(0) });
      expect(await mustGet(ctx.storage, latest)).toMatchObject({ state: 'scheduled', runAt: new Date(MAX_INSTANT_MS) });
      expect(await mustGet(ctx.storage, earliest)).toMatchObject({ state: 'enqueued', runAt: new Date(0) });
    });

    it('rejects a deletedTtlMs past the bound at construction, naming it', () => {
      for (const deletedTtlMs of [1e20, MAX_DURATION_MS + 1]) {
        expect(() => new JobClient(ctx.storage, { deletedTtlMs })).toThrow(
          expect.objectContaining({ name: 'ValidationError', field: 'options.deletedTtlMs' }),
        );
      }
    });

    it('cancels with the largest deletedTtlMs and reads its expiresAt back unchanged', async () => {
      const client = new JobClient(ctx.storage, { deletedTtlMs: MAX_DURATION_MS });
      const id = await client.enqueue('test', {});
      const expiresAt = new Date(ctx.clock.now().getTime() + MAX_DURATION_MS);
      expect(await client.cancel(id)).toMatchObject({ state: 'deleted', expiresAt });
      expect((await mustGet(ctx.storage, id)).expiresAt).toEqual(expiresAt);
    });
  });

  describe('dates and durations: recurring', () => {
    const schedule = (cron: string, options?: RecurringOptions) =>
      makeServer(ctx).server.scheduleRecurring('r', cron, 'test', {}, options);

    it('rejects a timeoutMs above int32, naming it, storing nothing', async () => {
      await expect(schedule('* * * * *', { timeoutMs: 2 ** 31 })).rejects.toMatchObject({
        name: 'ValidationError',
        field: 'options.timeoutMs',
      });
      expect(await ctx.storage.listRecurring()).toEqual([]);
    });

    it('rejects a cron whose next tick passes the latest instant, naming it, storing nothing', async () => {
      ctx.clock.set(Date.UTC(9999, 11, 31, 12));
      const attempt = schedule('0 0 1 1 *');
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toMatchObject({ field: 'cron' });
      expect(await ctx.storage.listRecurring()).toEqual([]);
    });

    it('stores a next tick on the last day of the range and reads it back unchanged', async () => {
      ctx.clock.set(Date.UTC(9999, 11, 31, 12));
      const def = await schedule('59 23 * * *');
      const lastTick = new Date(Date.UTC(9999, 11, 31, 23, 59));
      expect(def.nextRunAt).toEqual(lastTick);
      expect((await ctx.storage.listRecurring()).map((stored) => stored.nextRunAt)).toEqual([lastTick]);
    });
  });

  describe('dates and durations: server', () => {
    for (const bad of BAD_CONFIGS) {
      it(`rejects ${bad.what} with a ConfigError naming the field at construction`, async () => {
        expect(() => makeServer(ctx, bad.config)).toThrow(ConfigError);
        expect(() => makeServer(ctx, bad.config)).toThrow(expect.objectContaining({ field: bad.field }));
        expect(await jobTotal(ctx.storage)).toBe(0);
      });
    }

    for (const bad of BAD_POLICIES) {
      it(`fails a job whose retry policy returns ${bad.what}, naming the delay, instead of leaving it processing`, async () => {
        const { server, registry } = makeServer(ctx, { retryPolicy: bad.policy });
        registry.register('boom', async () => {
          throw new Error('boom');
        });
        const job = await runToEnd(ctx, server, 'boom');
        expect(job).toMatchObject({ state: 'failed', attempt: 1, lastError: { name: 'ValidationError' } });
        expect(job.lastError?.message).toMatch(
          /^retryPolicy: delay must be .*failed instead of retrying.*Error: boom$/,
        );
        expect(job.expiresAt).toEqual(new Date(ctx.clock.now().getTime() + 604_800_000));
      });
    }

    it('fails the attempt of a handler asking WorkerResult.retry for a delay past the bound, naming delayMs', async () => {
      const { server, registry } = makeServer(ctx);
      registry.register('later', async () => WorkerResult.retry({ delayMs: 1e20 }));
      const job = await runToEnd(ctx, server, 'later');
      expect(job).toMatchObject({ state: 'awaiting_retry', attempt: 1, lastError: { name: 'ValidationError' } });
      expect(job.lastError?.message).toMatch(/^WorkerResult\.retry: options\.delayMs must be/);
    });

    it('fails a job whose handler returns a hand-made retry request past the latest instant', async () => {
      const { server, registry } = makeServer(ctx);
      registry.register('later', async () => ({ kind: 'retry', delayMs: largestDelay(ctx) + 1 }));
      const job = await runToEnd(ctx, server, 'later');
      expect(job).toMatchObject({ state: 'failed', attempt: 1, lastError: { name: 'ValidationError' } });
      expect(job.lastError?.message).toMatch(/^WorkerResult\.retry: options\.delayMs must be .*instead of retrying$/);
    });

    it('stores a retry due at the latest instant and reads it back unchanged', async () => {
      const { server, registry } = makeServer(ctx, { retryPolicy: () => largestDelay(ctx) });
      registry.register('boom', async () => {
        throw new Error('boom');
      });
      const job = await runToEnd(ctx, server, 'boom');
      expect(job).toMatchObject({ state: 'awaiting_retry', runAt: new Date(MAX_INSTANT_MS) });
    });

    it('keeps a succeeded job for the largest succeededTtlMs, reading its expiresAt back unchanged', async () => {
      const { server, registry } = makeServer(ctx, { succeededTtlMs: MAX_DURATION_MS });
      registry.register('ok', async () => 'done');
      const job = await runToEnd(ctx, server, 'ok');
      expect(job).toMatchObject({
        state: 'succeeded',
        expiresAt: new Date(ctx.clock.now().getTime() + MAX_DURATION_MS),
      });
    });
  });
}
