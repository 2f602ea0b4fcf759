// snooze.test.ts: WorkerResult.snooze end to end on MemoryStorage and a ManualClock: the job waits in `scheduled` with
// its attempt refunded, runs again when due (woken, not polled), and a snooze is neither a failure nor a retry.
import { describe, expect, it } from 'vitest';
import { StorageError } from '../errors.js';
import type { JobEvent, ServerEventName } from '../events.js';
import type { Logger } from '../logger.js';
import { MAX_INSTANT_MS } from '../validation.js';
import { WorkerResult } from '../worker-result.js';
import { advanceUntil, makeServer, nextEvent, settle, type TestServer } from './test-support.js';

/** The attempt of each run of `method`, and the snoozes it returns before succeeding. */
function registerSnoozing(t: TestServer, method: string, snoozes: number, delayMs = 1_000): number[] {
  const attempts: number[] = [];
  t.registry.register(method, async (_payload, ctx) => {
    attempts.push(ctx.attempt);
    return attempts.length <= snoozes ? WorkerResult.snooze({ delayMs }) : 'done';
  });
  return attempts;
}

/** A logger that keeps every warn and error line it is given. */
function recordingLogger(lines: string[]): Logger {
  const keep = (_fields: Record<string, unknown>, message: string) => {
    lines.push(message);
  };
  const ignore = () => undefined;
  return { debug: ignore, info: ignore, warn: keep, error: keep };
}

describe('snooze', () => {
  it('runs a job snoozed twice three times, each at attempt 1, and maxAttempts 1 does not stop it', async () => {
    const t = makeServer();
    const attempts = registerSnoozing(t, 'poll', 2);
    await t.server.start();
    const id = await t.server.client.enqueue('poll', {}, { maxAttempts: 1 });
    const succeeded = nextEvent(t.server, 'jobSucceeded', (e) => e.jobId === id);
    await advanceUntil(t.clock, () => attempts.length === 3, 250);
    expect((await succeeded).job).toMatchObject({ state: 'succeeded', attempt: 1, result: 'done', lastError: null });
    expect(attempts).toEqual([1, 1, 1]);
    await t.server.stop();
  });

  it('parks the job in scheduled until its runAt, waking the scheduler before its next poll', async () => {
    const t = makeServer({ schedulerPollIntervalMs: 60_000 });
    const attempts = registerSnoozing(t, 'poll', 1, 2_000);
    await t.server.start();
    const id = await t.server.client.enqueue('poll', {});
    const snoozed = await nextEvent(t.server, 'stateChange', (e) => e.jobId === id && e.to === 'scheduled');
    const runAt = new Date(t.clock.now().getTime() + 2_000);
    expect(await t.storage.get(id)).toMatchObject({ state: 'scheduled', attempt: 0, runAt });
    expect(snoozed.job).toEqual(await t.storage.get(id));
    t.clock.advance(1_999);
    await settle();
    expect(attempts).toEqual([1]);
    await advanceUntil(t.clock, () => attempts.length === 2, 1);
    expect(t.clock.now().getTime() - runAt.getTime()).toBeLessThan(5_000);
    await t.server.stop();
  });

  it('emits stateChange processing -> scheduled and no specific event, and logs nothing', async () => {
    const lines: string[] = [];
    const t = makeServer({ logger: recordingLogger(lines) });
    registerSnoozing(t, 'poll', 1, 60_000);
    const seen: [ServerEventName, JobEvent][] = [];
    for (const name of ['stateChange', 'jobSucceeded', 'jobFailed', 'jobRetrying'] as const)
      t.server.on(name, (e) => {
        seen.push([name, e]);
      });
    await t.server.start();
    const id = await t.server.client.enqueue('poll', {});
    await nextEvent(t.server, 'stateChange', (e) => e.jobId === id && e.to === 'scheduled');
    await settle();
    expect(seen.map(([name, e]) => `${name} ${e.from}->${e.to}`)).toEqual([
      'stateChange enqueued->processing',
      'stateChange processing->scheduled',
    ]);
    expect(lines).toEqual([]);
    await t.server.stop();
  });

  it('fails the attempt with a ValidationError naming options.delayMs when WorkerResult.snooze gets a bad delay', async () => {
    const t = makeServer();
    t.registry.register('bad', async () => WorkerResult.snooze({ delayMs: -1 }));
    await t.server.start();
    const id = await t.server.client.enqueue('bad', {}, { maxAttempts: 1 });
    const failed = await nextEvent(t.server, 'jobFailed', (e) => e.jobId === id);
    expect(failed.job).toMatchObject({ attempt: 1, lastError: { name: 'ValidationError' } });
    expect(failed.job.lastError?.message).toMatch(/^WorkerResult\.snooze: options\.delayMs must be/);
    await t.server.stop();
  });

  it('fails the job when a snooze would fall due past the latest instant, instead of snoozing', async () => {
    const t = makeServer();
    const tooLate = MAX_INSTANT_MS - t.clock.now().getTime() + 1;
    t.registry.register('late', async () => ({ kind: 'snooze', delayMs: tooLate }));
    await t.server.start();
    const id = await t.server.client.enqueue('late', {});
    const failed = await nextEvent(t.server, 'jobFailed', (e) => e.jobId === id);
    expect(failed.job).toMatchObject({ state: 'failed', attempt: 1, lastError: { name: 'ValidationError' } });
    expect(failed.job.lastError?.message).toMatch(/^WorkerResult\.snooze: options\.delayMs .*instead of snoozing$/);
    await t.server.stop();
  });

  it('counts a snooze written by a call whose reply was lost as persisted, emitting it once', async () => {
    const t = makeServer({ schedulerPollIntervalMs: 60_000 });
    const finish = t.storage.finish.bind(t.storage);
    let lostReplies = 0;
    t.storage.finish = async (params) => {
      const results = await finish(params);
      if (lostReplies++ === 0) throw new StorageError('finish', { detail: 'connection reset after commit' });
      return results;
    };
    registerSnoozing(t, 'poll', 1, 60_000);
    const snoozes: JobEvent[] = [];
    const problems: unknown[] = [];
    t.server.on('stateChange', (e) => {
      if (e.to === 'scheduled') snoozes.push(e);
    });
    t.server.on('error', (e) => {
      if (e.source !== 'finish') problems.push(e.error);
    });
    await t.server.start();
    const id = await t.server.client.enqueue('poll', {});
    await advanceUntil(t.clock, () => snoozes.length > 0, 100);
    await settle();
    expect(snoozes.map((e) => [e.jobId, e.job.state, e.job.attempt])).toEqual([[id, 'scheduled', 0]]);
    expect(await t.storage.get(id)).toMatchObject({ state: 'scheduled', attempt: 0 });
    expect(problems).toEqual([]);
    await t.server.stop();
  });
});
