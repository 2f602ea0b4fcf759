// cancel.test.ts: a cancel made through any client reaches the handler it stops: at once where storage pushes it (here
// MemoryStorage's in-process push, the memory backend's whole story since it cannot be shared across processes), and
// otherwise at the next lease renewal, which runs every polling interval on a multi-process store without
// cross-process push. Every path aborts with reason `cancel`, logs no warning and emits `jobCancelled`.
import { performance } from 'node:perf_hooks';
import { MemoryStorage } from '@jobsmith/storage-memory';
import { describe, expect, it } from 'vitest';
import { JobClient } from '../client.js';
import { ManualClock } from '../clock.js';
import type { ErrorEvent, JobEvent } from '../events.js';
import type { Logger } from '../logger.js';
import type { JobContext } from '../registry.js';
import type { Storage, StorageCapabilities } from '../storage.js';
import type { ServerConfig } from './config.js';
import { advanceUntil, deferred, makeServer, settle, type TestServer, until } from './test-support.js';

/** A logger that keeps every line, so a test can say none was a warning or an error. */
function recordingLogger(): Logger & { lines: { level: string; message: string }[]; loud(): string[] } {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (_fields: Record<string, unknown>, message: string) => {
    lines.push({ level, message });
  };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    loud: () => lines.filter((line) => line.level === 'warn' || line.level === 'error').map((line) => line.message),
  };
}

/**
 * `storage` as a backend that never announces cancels (its push only wakes), optionally declaring other
 * capabilities: a push that got lost, or a shared SQLite file whose other processes hear nothing.
 */
function withoutCancelPush(storage: Storage, capabilities: Partial<StorageCapabilities> = {}): Storage {
  const declared = Object.freeze({ ...storage.capabilities, ...capabilities });
  return new Proxy(storage, {
    get(target, key) {
      if (key === 'capabilities') return declared;
      if (key === 'subscribe') return (onJobAvailable: (queue: string) => void) => target.subscribe(onJobAvailable);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

interface CancelFixture {
  t: TestServer;
  logger: ReturnType<typeof recordingLogger>;
  errors: ErrorEvent[];
  cancelled: JobEvent[];
  changes: JobEvent[];
  /** Another client on the same data: not the server's, so its cancel tells the server nothing directly. */
  elsewhere: JobClient;
  /** Signals of the `block` handler's runs, by job id. */
  signals: Map<string, AbortSignal>;
  /** Real time (performance.now) at which each `block` run's signal fired, by job id. */
  abortedAt: Map<string, number>;
}

/** A started server whose `block` handler waits for its signal; `wrap` swaps the storage it runs on. */
async function startFixture(config: ServerConfig = {}, wrap?: (storage: Storage) => Storage): Promise<CancelFixture> {
  const clock = new ManualClock();
  const memory = new MemoryStorage({ clock });
  const logger = recordingLogger();
  const t = makeServer({ ...config, logger }, { storage: wrap ? wrap(memory) : memory, clock });
  const fixture: CancelFixture = {
    t,
    logger,
    errors: [],
    cancelled: [],
    changes: [],
    elsewhere: new JobClient(memory),
    signals: new Map(),
    abortedAt: new Map(),
  };
  t.server.on('error', (e) => void fixture.errors.push(e));
  t.server.on('jobCancelled', (e) => void fixture.cancelled.push(e));
  t.server.on('stateChange', (e) => void fixture.changes.push(e));
  t.registry.register('block', async (_payload: unknown, ctx: JobContext) => {
    fixture.signals.set(ctx.job.id, ctx.signal);
    await new Promise<void>((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        fixture.abortedAt.set(ctx.job.id, performance.now());
        reject(ctx.signal.reason);
      });
    });
  });
  await t.server.start();
  return fixture;
}

/** Enqueues a `block` job and resolves with its id once its handler runs. */
async function runBlocking(f: CancelFixture): Promise<string> {
  const id = await f.elsewhere.enqueue('block', {});
  await until(() => f.signals.has(id));
  return id;
}

/** What every cancel must leave: reason `cancel`, one jobCancelled (processing -> deleted), nothing loud. */
function expectQuietCancel(f: CancelFixture, id: string): void {
  expect(f.signals.get(id)?.reason).toMatchObject({ name: 'JobAbortedError', jobId: id, reason: 'cancel' });
  expect(f.cancelled).toEqual([expect.objectContaining({ jobId: id, from: 'processing', to: 'deleted' })]);
  expect(f.cancelled[0]?.job).toMatchObject({ id, state: 'deleted', leaseId: null });
  expect(f.changes.filter((e) => e.to === 'deleted').map((e) => e.jobId)).toEqual([id]);
  expect(f.errors).toEqual([]);
  expect(f.logger.loud()).toEqual([]);
}

describe('cancel from another client', () => {
  it('stops the running handler as soon as storage pushes the cancel, without a lease renewal', async () => {
    const f = await startFixture({ leaseMs: 30_000 });
    const latencies: number[] = [];
    for (let round = 0; round < 5; round++) {
      f.cancelled.length = 0;
      f.changes.length = 0;
      const id = await runBlocking(f);
      await f.elsewhere.cancel(id);
      const cancelledAt = performance.now();
      // No clock advance: only the push can have told the server.
      await until(() => f.abortedAt.has(id) && f.cancelled.length > 0);
      latencies.push((f.abortedAt.get(id) ?? Number.NaN) - cancelledAt);
      await settle();
      expectQuietCancel(f, id);
      expect(await f.t.storage.get(id)).toMatchObject({ state: 'deleted' });
    }
    // In-process push runs in a microtask: the handler is aborted before cancel()'s own continuation (negative figures).
    console.info(
      `[memory] cancel() resolved -> handler aborted, ms: ${latencies.map((ms) => ms.toFixed(2)).join(', ')}`,
    );
    expect(Math.max(...latencies)).toBeLessThan(100);
    await f.t.server.stop();
    expect(f.logger.loud()).toEqual([]);
  });

  it('emits jobCancelled once when the server hears of its own client cancel twice (hook and push)', async () => {
    const f = await startFixture();
    const id = await runBlocking(f);
    await f.t.server.client.cancel(id);
    await settle();
    expectQuietCancel(f, id);
    await f.t.server.stop();
  });

  it('drops a job waiting in the local queue unrun, quietly, and announces its cancel', async () => {
    const f = await startFixture({ workerCount: 1, fetchBatchSize: 2, localQueueSize: 1 });
    const [first = '', waiting = ''] = await f.elsewhere.enqueueMany([
      { method: 'block', payload: {} },
      { method: 'block', payload: {} },
    ]);
    await until(() => f.signals.has(first));
    expect(await f.t.storage.get(waiting)).toMatchObject({ state: 'processing' });
    await f.elsewhere.cancel(waiting);
    await until(() => f.cancelled.length === 1);
    expect(f.cancelled[0]).toMatchObject({ jobId: waiting, from: 'processing', to: 'deleted' });
    expect(f.cancelled[0]?.job).toEqual(await f.t.storage.get(waiting));
    f.cancelled.length = 0;
    f.changes.length = 0;
    await f.elsewhere.cancel(first);
    await until(() => f.cancelled.length === 1);
    await settle();
    expect(f.signals.has(waiting)).toBe(false);
    expectQuietCancel(f, first);
    await f.t.server.stop();
  });

  it('takes a lease found gone for a cancel when storage shows the job deleted (a push that never came)', async () => {
    const f = await startFixture({ leaseMs: 3_000 }, (storage) => withoutCancelPush(storage));
    const id = await runBlocking(f);
    await f.elsewhere.cancel(id);
    await settle();
    expect(f.signals.get(id)?.aborted).toBe(false);
    const before = f.t.clock.now().getTime();
    await advanceUntil(f.t.clock, () => f.abortedAt.has(id), 100);
    // The renewal every leaseMs/3 found it: reason `cancel`, not `leaseLost`.
    expect(f.t.clock.now().getTime() - before).toBeLessThanOrEqual(1_000);
    await settle();
    expectQuietCancel(f, id);
    await f.t.server.stop();
  });

  it('renews (and so finds cancels) every polling interval on a multi-process store without cross-process push', async () => {
    const sharedFile = { multiProcess: true, crossProcessPush: false };
    const f = await startFixture({ leaseMs: 30_000, pollingIntervalMs: 500 }, (storage) =>
      withoutCancelPush(storage, sharedFile),
    );
    const id = await runBlocking(f);
    await f.elsewhere.cancel(id);
    const before = f.t.clock.now().getTime();
    await advanceUntil(f.t.clock, () => f.abortedAt.has(id), 100);
    expect(f.t.clock.now().getTime() - before).toBeLessThanOrEqual(500);
    await settle();
    expectQuietCancel(f, id);
    await f.t.server.stop();
  });

  it('only logs a finish refused by a cancel it had not heard of, and emits jobCancelled', async () => {
    const f = await startFixture({ leaseMs: 30_000 }, (storage) => withoutCancelPush(storage));
    const gate = deferred();
    let started = false;
    f.t.registry.register('wait', async () => {
      started = true;
      await gate.promise;
      return 'too late';
    });
    const id = await f.elsewhere.enqueue('wait', {});
    await until(() => started);
    await f.elsewhere.cancel(id);
    gate.resolve();
    await until(() => f.cancelled.length === 1);
    await settle();
    expect(f.cancelled[0]).toMatchObject({ jobId: id, from: 'processing', to: 'deleted' });
    expect(f.errors).toEqual([]);
    expect(f.logger.loud()).toEqual([]);
    expect(f.logger.lines.map((line) => line.message)).toContain('cancelled job: its outcome was refused, as expected');
    await f.t.server.stop();
  });
});
