import { describe, expect, it } from 'vitest';
import { JobAbortedError, LeaseLostError, StorageError, UnrecoverableError } from '../errors.js';
import type { ErrorEvent, JobEvent } from '../events.js';
import type { JobContext } from '../registry.js';
import { WorkerResult } from '../worker-result.js';
import {
  advanceUntil,
  deferred,
  flakiness,
  flakyStorage,
  makeServer,
  nextEvent,
  settle,
  type TestServer,
  until,
} from './test-support.js';

const FIXED_10S = { type: 'fixed', delayMs: 10_000 } as const;

/** Enqueues one job and resolves with its first event of `kind`. */
async function runUntil(
  t: TestServer,
  kind: 'jobSucceeded' | 'jobFailed' | 'jobRetrying',
  method: string,
  payload = {},
  options = {},
) {
  const id = await t.server.client.enqueue(method, payload, options);
  return nextEvent(t.server, kind, (e) => e.jobId === id);
}

describe('executor outcomes', () => {
  it('stores a returned value as the JSON result, and undefined as null', async () => {
    const t = makeServer();
    t.registry.register('value', async () => ({ sent: true, at: new Date(0) }));
    t.registry.register('nothing', async () => {});
    await t.server.start();
    const value = await runUntil(t, 'jobSucceeded', 'value');
    const nothing = await runUntil(t, 'jobSucceeded', 'nothing');
    expect((await t.storage.get(value.jobId))?.result).toEqual({ sent: true, at: '1970-01-01T00:00:00.000Z' });
    expect(value.job.result).toEqual({ sent: true, at: '1970-01-01T00:00:00.000Z' });
    expect((await t.storage.get(nothing.jobId))?.result).toBeNull();
    await t.server.stop();
  });

  it('fails the attempt with a clear error when the result is not JSON-serializable', async () => {
    const t = makeServer({ retryPolicy: FIXED_10S });
    t.registry.register('bigint', async () => ({ n: 1n }));
    await t.server.start();
    const event = await runUntil(t, 'jobRetrying', 'bigint');
    expect(event.job.lastError?.message).toMatch(/result.*JSON-serializable.*BigInt/);
    await t.server.stop();
  });

  it('sets expiresAt from succeededTtlMs and failedTtlMs', async () => {
    const t = makeServer({ succeededTtlMs: 1000, failedTtlMs: 2000 });
    t.registry.register('ok', async () => 1);
    t.registry.register('bad', async () => {
      throw new UnrecoverableError('no');
    });
    await t.server.start();
    const ok = await runUntil(t, 'jobSucceeded', 'ok');
    const bad = await runUntil(t, 'jobFailed', 'bad');
    const now = t.clock.now().getTime();
    expect((await t.storage.get(ok.jobId))?.expiresAt?.getTime()).toBe(now + 1000);
    expect((await t.storage.get(bad.jobId))?.expiresAt?.getTime()).toBe(now + 2000);
    await t.server.stop();
  });

  it('deletes a succeeded job in the finishing write when succeededTtlMs is 0', async () => {
    const t = makeServer({ succeededTtlMs: 0 });
    t.registry.register('ok', async () => 1);
    await t.server.start();
    const event = await runUntil(t, 'jobSucceeded', 'ok');
    expect(await t.storage.get(event.jobId)).toBeNull();
    await t.server.stop();
  });

  it('retries a thrown error after the policy delay, and not before (ManualClock)', async () => {
    const t = makeServer({ retryPolicy: FIXED_10S });
    const startedAt: number[] = [];
    t.registry.register('flaky', async () => {
      startedAt.push(t.clock.now().getTime());
      if (startedAt.length === 1) throw new TypeError('first try fails');
      return 'second try';
    });
    await t.server.start();
    const retrying = await runUntil(t, 'jobRetrying', 'flaky');
    const failedAt = t.clock.now().getTime();
    const stored = await t.storage.get(retrying.jobId);
    expect(stored).toMatchObject({ state: 'awaiting_retry', attempt: 1 });
    expect(stored?.runAt.getTime()).toBe(failedAt + 10_000);
    expect(stored?.lastError).toMatchObject({ name: 'TypeError', message: 'first try fails' });
    expect(stored?.lastError?.stack).toContain('first try fails');
    const succeeded = nextEvent(t.server, 'jobSucceeded', (e) => e.jobId === retrying.jobId);
    await advanceUntil(t.clock, () => t.clock.now().getTime() >= failedAt + 9_999, 1111);
    await settle();
    expect(startedAt).toHaveLength(1);
    await advanceUntil(t.clock, () => startedAt.length === 2, 1);
    await succeeded;
    expect(startedAt[1]).toBe(failedAt + 10_000);
    await t.server.stop();
  });

  it('never runs a job more than maxAttempts times, then fails it', async () => {
    const t = makeServer({ retryPolicy: { type: 'fixed', delayMs: 0 } });
    let runs = 0;
    t.registry.register('always', async () => {
      runs++;
      throw new Error(`run ${runs}`);
    });
    await t.server.start();
    const failed = await runUntil(t, 'jobFailed', 'always', {}, { maxAttempts: 3 });
    await settle();
    expect(runs).toBe(3);
    expect(await t.storage.get(failed.jobId)).toMatchObject({
      state: 'failed',
      attempt: 3,
      lastError: { message: 'run 3' },
    });
    await t.server.stop();
  });

  it('fails at once on UnrecoverableError', async () => {
    const t = makeServer();
    let runs = 0;
    t.registry.register('poison', async () => {
      runs++;
      throw new UnrecoverableError('bad payload');
    });
    await t.server.start();
    const failed = await runUntil(t, 'jobFailed', 'poison');
    expect(runs).toBe(1);
    expect(failed.job.lastError).toMatchObject({ name: 'UnrecoverableError', message: 'bad payload' });
    await t.server.stop();
  });

  it('retries by the policy when no handler is registered for the method', async () => {
    const t = makeServer({ retryPolicy: FIXED_10S });
    await t.server.start();
    const event = await runUntil(t, 'jobRetrying', 'unknown_method');
    expect(event.job.lastError?.message).toBe(
      `no handler registered for method unknown_method on server ${t.server.id} (its methods: none)`,
    );
    await t.server.stop();
  });

  it('retries at the time WorkerResult.retry asks, and fails when no attempt is left', async () => {
    const t = makeServer();
    t.registry.register('later', async () => WorkerResult.retry({ delayMs: 2500 }));
    await t.server.start();
    const retrying = await runUntil(t, 'jobRetrying', 'later', {}, { maxAttempts: 2 });
    expect((await t.storage.get(retrying.jobId))?.runAt.getTime()).toBe(t.clock.now().getTime() + 2500);
    const failed = nextEvent(t.server, 'jobFailed', (e) => e.jobId === retrying.jobId);
    await advanceUntil(t.clock, async () => (await t.storage.get(retrying.jobId))?.state === 'failed', 500);
    expect((await failed).job.lastError?.message).toMatch(/asked for a retry, but all 2 attempt/);
    await t.server.stop();
  });
});

describe('executor context', () => {
  it('gives the handler job, attempt, signal, log and progress', async () => {
    const t = makeServer();
    let seen: JobContext | null = null;
    t.registry.register('inspect', async (_payload, ctx) => {
      seen = ctx;
      await ctx.progress(50);
      return ctx.attempt;
    });
    await t.server.start();
    const event = await runUntil(t, 'jobSucceeded', 'inspect', { a: 1 });
    const ctx = seen as unknown as JobContext;
    expect(ctx.job).toMatchObject({ id: event.jobId, payload: { a: 1 }, state: 'processing' });
    expect(ctx.attempt).toBe(1);
    expect(ctx.signal.aborted).toBe(false);
    expect(typeof ctx.log.info).toBe('function');
    expect((await t.storage.get(event.jobId))?.progress).toBe(50);
    await t.server.stop();
  });

  it('aborts the signal at the timeout and fails the attempt without waiting for the handler', async () => {
    const t = makeServer({ retryPolicy: FIXED_10S, jobTimeoutMs: 5000 });
    const ignored = deferred<string>();
    let signal: AbortSignal | null = null;
    t.registry.register('stubborn', async (_p, ctx) => {
      signal = ctx.signal;
      return ignored.promise; // ignores its signal
    });
    await t.server.start();
    const id = await t.server.client.enqueue('stubborn', {});
    await until(() => signal !== null);
    const retrying = nextEvent(t.server, 'jobRetrying', (e) => e.jobId === id);
    await advanceUntil(t.clock, () => (signal as AbortSignal | null)?.aborted === true, 1000);
    const event = await retrying;
    expect((signal as unknown as AbortSignal).reason).toBeInstanceOf(JobAbortedError);
    expect((signal as unknown as AbortSignal).reason).toMatchObject({ reason: 'timeout' });
    expect(event.job.lastError).toMatchObject({
      name: 'JobAbortedError',
      message: `job ${id} timed out after 5000 ms`,
    });
    expect(t.clock.now().getTime() - event.job.startedAt!.getTime()).toBe(5000);
    ignored.resolve('too late');
    await settle();
    expect((await t.storage.get(id))?.state).toBe('awaiting_retry');
    await t.server.stop();
  });

  it("uses the job's own timeoutMs over jobTimeoutMs", async () => {
    const t = makeServer({ retryPolicy: FIXED_10S, jobTimeoutMs: 60_000 });
    t.registry.register(
      'slow',
      (_p, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
    );
    await t.server.start();
    const id = await t.server.client.enqueue('slow', {}, { timeoutMs: 2000 });
    const retrying = nextEvent(t.server, 'jobRetrying', (e) => e.jobId === id);
    await advanceUntil(t.clock, async () => (await t.storage.get(id))?.state === 'awaiting_retry', 500);
    expect((await retrying).job.lastError?.message).toContain('timed out after 2000 ms');
    await t.server.stop();
  });

  it('renews the lease of a long job so no sweep takes it', async () => {
    const t = makeServer({ leaseMs: 3000, jobTimeoutMs: 60_000 });
    const gate = deferred();
    t.registry.register('long', () => gate.promise);
    await t.server.start();
    const id = await t.server.client.enqueue('long', {});
    await until(async () => (await t.storage.get(id))?.state === 'processing');
    for (let i = 0; i < 20; i++) {
      t.clock.advance(500);
      await settle();
    }
    const job = await t.storage.get(id);
    expect(job?.state).toBe('processing');
    expect(job!.lockedUntil!.getTime()).toBeGreaterThan(t.clock.now().getTime());
    gate.resolve();
    await nextEvent(t.server, 'jobSucceeded', (e) => e.jobId === id);
    await t.server.stop();
  });

  it('keeps a running job through a renewal outage of over half its lease: retries land before it lapses', async () => {
    const base = makeServer();
    const state = flakiness();
    state.methods = ['renewLeases'];
    const t = makeServer(
      { leaseMs: 30_000, jobTimeoutMs: 600_000 },
      { storage: flakyStorage(base.storage, state), clock: base.clock },
    );
    const gate = deferred();
    t.registry.register('long', () => gate.promise);
    await t.server.start();
    const id = await t.server.client.enqueue('long', {});
    await until(async () => (await t.storage.get(id))?.state === 'processing');
    const claimedAt = t.clock.now().getTime();
    const lapsed: string[] = [];
    const sweep = async () => {
      const moved = await base.storage.requeueExpiredLeases({ now: t.clock.now(), limit: 10, failedExpiresAt: null });
      for (const m of moved) lapsed.push(m.job.id);
    };
    // Storage fails every renewal from just before the first one (at leaseMs/3) for 18 s: the lease, last set at the
    // claim, runs out 30 s after it. The loop backoff's 1, 2, 4, 8, 16 s pauses would try last at ~25 s, then at ~41 s.
    t.clock.advance(9_900);
    await settle();
    state.failuresLeft = 1_000_000;
    while (t.clock.now().getTime() < claimedAt + 27_900) {
      t.clock.advance(250);
      await settle();
      await sweep();
    }
    state.failuresLeft = 0;
    while (t.clock.now().getTime() < claimedAt + 45_000) {
      t.clock.advance(250);
      await settle();
      await sweep();
    }
    expect(lapsed).toEqual([]);
    expect(state.failed.length).toBeGreaterThan(10);
    gate.resolve();
    await nextEvent(t.server, 'jobSucceeded', (e) => e.jobId === id);
    expect(await t.storage.get(id)).toMatchObject({ state: 'succeeded', attempt: 1 });
    await t.server.stop();
  });

  it('aborts the signal at once when the job is cancelled through server.client', async () => {
    const t = makeServer();
    let signal: AbortSignal | null = null;
    t.registry.register('cancellable', async (_p, ctx) => {
      signal = ctx.signal;
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      return 'stopped early';
    });
    await t.server.start();
    const id = await t.server.client.enqueue('cancellable', {});
    await until(() => signal !== null);
    await t.server.client.cancel(id);
    expect((signal as unknown as AbortSignal).aborted).toBe(true);
    expect((signal as unknown as AbortSignal).reason).toMatchObject({ reason: 'cancel' });
    await settle();
    expect((await t.storage.get(id))?.state).toBe('deleted');
    await t.server.stop();
  });

  it('notices a lease lost elsewhere at the next lease renewal', async () => {
    const t = makeServer({ leaseMs: 3000 });
    const errors: ErrorEvent[] = [];
    t.server.on('error', (e) => {
      errors.push(e);
    });
    let signal: AbortSignal | null = null;
    t.registry.register('cancellable', async (_p, ctx) => {
      signal = ctx.signal;
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
    });
    await t.server.start();
    const id = await t.server.client.enqueue('cancellable', {});
    await until(() => signal !== null);
    await t.storage.delete(id); // the lease goes with the job, and nothing says it was a cancel
    await advanceUntil(t.clock, () => (signal as AbortSignal | null)?.aborted === true, 500);
    expect((signal as unknown as AbortSignal).reason).toMatchObject({ reason: 'leaseLost' });
    expect(errors.map((e) => e.error)).toEqual([expect.any(LeaseLostError)]);
    await t.server.stop();
  });

  it('reports a finish whose lease was lost and emits nothing for that job', async () => {
    const t = makeServer();
    const gate = deferred();
    t.registry.register('wait', () => gate.promise);
    const errors: ErrorEvent[] = [];
    const moves: JobEvent[] = [];
    t.server.on('error', (e) => {
      errors.push(e);
    });
    await t.server.start();
    const id = await t.server.client.enqueue('wait', {});
    await until(async () => (await t.storage.get(id))?.state === 'processing');
    t.server.onStateChange((e) => {
      moves.push(e);
    });
    await t.storage.delete(id); // revokes the lease behind the server's back (no cancel explains it)
    gate.resolve();
    await until(() => errors.length === 1);
    expect(errors[0]).toMatchObject({ source: 'finish', error: expect.any(LeaseLostError) });
    expect(moves).toEqual([]);
    await t.server.stop();
  });

  it('retries a failing finish and persists once storage recovers', async () => {
    const clockServer = makeServer();
    const state = flakiness();
    state.methods = ['finish'];
    state.failuresLeft = 2;
    const t = makeServer({}, { storage: flakyStorage(clockServer.storage, state), clock: clockServer.clock });
    t.registry.register('ok', async () => 'fine');
    await t.server.start();
    const id = await t.server.client.enqueue('ok', {});
    await advanceUntil(t.clock, async () => (await t.storage.get(id))?.state === 'succeeded', 500);
    expect(state.failed).toEqual(['finish', 'finish']);
    await t.server.stop();
  });

  it('writes the outcomes of jobs finishing together in one finish call', async () => {
    const t = makeServer({ workerCount: 50, fetchBatchSize: 50 });
    const batches: number[] = [];
    const finish = t.storage.finish.bind(t.storage);
    t.storage.finish = (params) => {
      batches.push(params.outcomes.length);
      return finish(params);
    };
    t.registry.register('noop', async () => null);
    await t.server.client.enqueueMany(Array.from({ length: 50 }, () => ({ method: 'noop', payload: {} })));
    await t.server.start();
    await until(async () => (await t.storage.counts()).byState.succeeded === 50);
    expect(batches).toEqual([50]);
    await t.server.stop();
  });

  it('renews every running lease in one renewLeases call every leaseMs/3', async () => {
    const t = makeServer({ workerCount: 5, leaseMs: 3000 });
    const calls: number[] = [];
    const renew = t.storage.renewLeases.bind(t.storage);
    t.storage.renewLeases = (params) => {
      calls.push(params.leases.length);
      return renew(params);
    };
    const gate = deferred();
    t.registry.register('wait', () => gate.promise);
    await t.server.client.enqueueMany(Array.from({ length: 5 }, () => ({ method: 'wait', payload: {} })));
    await t.server.start();
    await until(async () => (await t.storage.counts()).byState.processing === 5);
    await settle();
    t.clock.advance(1000);
    await until(() => calls.length === 1);
    expect(calls).toEqual([5]);
    gate.resolve();
    await until(async () => (await t.storage.counts()).byState.succeeded === 5);
    await t.server.stop();
  });

  it('retries a finish that fails for longer than the lease, keeping the lease, so the job runs once', async () => {
    const base = makeServer();
    const state = flakiness();
    state.methods = ['finish'];
    state.failuresLeft = 1_000_000;
    const t = makeServer(
      { leaseMs: 3000, heartbeatIntervalMs: 1000, deadServerTimeoutMs: 5000 },
      { storage: flakyStorage(base.storage, state), clock: base.clock },
    );
    let runs = 0;
    t.registry.register('ok', async () => ++runs);
    const succeeded: JobEvent[] = [];
    t.server.on('jobSucceeded', (e) => {
      succeeded.push(e);
    });
    await t.server.start();
    const id = await t.server.client.enqueue('ok', {});
    // A minute of storage refusing every finish: 20 leases long. Peers' sweeps would re-run the job if its lease lapsed.
    await advanceUntil(t.clock, () => state.failed.length > 0, 100);
    const outageEnd = t.clock.now().getTime() + 60_000;
    await advanceUntil(t.clock, () => t.clock.now().getTime() >= outageEnd, 500, 200);
    expect(await t.storage.requeueExpiredLeases({ now: t.clock.now(), limit: 10, failedExpiresAt: null })).toEqual([]);
    expect((await t.storage.get(id))?.state).toBe('processing');
    state.failuresLeft = 0;
    await advanceUntil(t.clock, async () => (await t.storage.get(id))?.state === 'succeeded', 500, 40);
    expect(runs).toBe(1);
    expect(await t.storage.get(id)).toMatchObject({ attempt: 1, result: 1 });
    await settle();
    expect(succeeded.map((e) => e.jobId)).toEqual([id]);
    await t.server.stop();
  });

  it('emits jobSucceeded once when a finish was written but its reply was lost', async () => {
    const t = makeServer();
    const finish = t.storage.finish.bind(t.storage);
    let lostReplies = 0;
    t.storage.finish = async (outcomes) => {
      const results = await finish(outcomes);
      if (lostReplies++ === 0) throw new StorageError('finish', { detail: 'connection reset after commit' });
      return results;
    };
    t.registry.register('ok', async () => 'done');
    const events: JobEvent[] = [];
    const warnings: ErrorEvent[] = [];
    t.server.on('jobSucceeded', (e) => {
      events.push(e);
    });
    t.server.on('error', (e) => {
      if (e.source !== 'finish') warnings.push(e);
    });
    await t.server.start();
    const id = await t.server.client.enqueue('ok', {});
    await advanceUntil(t.clock, () => events.length > 0, 100);
    await settle();
    expect(events.map((e) => [e.jobId, e.job.state])).toEqual([[id, 'succeeded']]);
    expect(await t.storage.get(id)).toMatchObject({ state: 'succeeded', attempt: 1, result: 'done' });
    expect(warnings).toEqual([]);
    await t.server.stop();
  });

  it('stores each outcome of a batch alone: a thrown value with hostile fields fails only its own job', async () => {
    const t = makeServer({ workerCount: 4, retryPolicy: { type: 'none' } });
    const gate = deferred();
    const hostile = new Error('x');
    Object.defineProperty(hostile, 'stack', { value: { not: 'a string' } });
    Object.defineProperty(hostile, 'name', { get: () => 42 });
    Object.defineProperty(hostile, 'message', {
      get: () => {
        throw new Error('no message for you');
      },
    });
    t.registry.register('ok', async () => {
      await gate.promise;
      return 'fine';
    });
    t.registry.register('hostileError', async () => {
      await gate.promise;
      throw hostile;
    });
    t.registry.register('hostileResult', async () => {
      await gate.promise;
      return {
        get boom(): never {
          throw new Error('getter exploded');
        },
      };
    });
    await t.server.start();
    const ok = await t.server.client.enqueueMany([
      { method: 'ok', payload: {} },
      { method: 'ok', payload: {} },
    ]);
    const bad = await t.server.client.enqueue('hostileError', {});
    const badResult = await t.server.client.enqueue('hostileResult', {});
    await until(async () => (await t.storage.counts()).byState.processing === 4);
    gate.resolve();
    await until(async () => (await t.storage.counts()).byState.processing === 0);
    for (const id of ok) expect(await t.storage.get(id)).toMatchObject({ state: 'succeeded', result: 'fine' });
    expect(await t.storage.get(bad)).toMatchObject({ state: 'failed', lastError: { name: '42', message: '' } });
    expect((await t.storage.get(bad))?.lastError?.stack).toBe('[object Object]');
    expect(await t.storage.get(badResult)).toMatchObject({
      state: 'failed',
      lastError: { message: expect.stringMatching(/getter exploded/) },
    });
    await t.server.stop();
  });
});
