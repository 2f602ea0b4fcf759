import { describe, expect, it } from 'vitest';
import { JobAbortedError, ServerStateError, StorageError, ValidationError } from '../errors.js';
import type { ErrorEvent, JobEvent, ServerDeadEvent } from '../events.js';
import type { Middleware } from '../middleware.js';
import type { Storage } from '../storage.js';
import {
  advanceUntil,
  deferred,
  flakiness,
  flakyStorage,
  makeServer,
  nextEvent,
  settle,
  until,
} from './test-support.js';

describe('BackgroundJobServer lifecycle', () => {
  it('rejects start() while running, and can start again after stop()', async () => {
    const { server, registry, storage } = makeServer();
    registry.register('noop', async () => 'ok');
    expect(server.isRunning()).toBe(false);
    await server.start();
    expect(server.isRunning()).toBe(true);
    await expect(server.start()).rejects.toBeInstanceOf(ServerStateError);
    await server.stop();
    expect(server.isRunning()).toBe(false);
    await server.stop(); // idempotent
    await server.start();
    const id = await server.client.enqueue('noop', {});
    await nextEvent(server, 'jobSucceeded', (e) => e.jobId === id);
    await server.stop();
    expect(await storage.listServers()).toEqual([]);
  });

  it('registers itself while running and deregisters on stop', async () => {
    const { server, storage } = makeServer({ serverName: 'api', workerCount: 3, queues: ['a', 'b'] });
    await server.start();
    expect(await storage.listServers()).toEqual([
      expect.objectContaining({ id: server.id, name: 'api', workerCount: 3, queues: ['a', 'b'] }),
    ]);
    await server.stop();
    expect(await storage.listServers()).toEqual([]);
  });

  it('runs only the loops with workerCount 0', async () => {
    const { server, storage } = makeServer({ workerCount: 0 });
    await server.start();
    const id = await server.client.enqueue('noop', {});
    await settle();
    expect((await storage.get(id))?.state).toBe('enqueued');
    await server.stop();
  });

  it('stops promptly while idle, without waiting for a poll', async () => {
    const { server, clock } = makeServer();
    await server.start();
    await settle();
    const before = clock.now();
    await server.stop();
    expect(clock.now()).toEqual(before);
    expect(clock.sleeperCount).toBe(0);
  });

  it('validates use()', () => {
    const { server } = makeServer();
    expect(() => server.use('nope' as unknown as Middleware)).toThrow(ValidationError);
  });
});

describe('BackgroundJobServer.stop', () => {
  it('fires the signal of an in-flight job and waits for it; its result is persisted', async () => {
    const { server, registry, storage } = makeServer();
    let signal: AbortSignal | null = null;
    registry.register('polite', async (_p, ctx) => {
      signal = ctx.signal;
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      return 'wrapped up';
    });
    await server.start();
    const id = await server.client.enqueue('polite', {});
    await until(() => signal !== null);
    await server.stop();
    expect((signal as unknown as AbortSignal).reason).toBeInstanceOf(JobAbortedError);
    expect((signal as unknown as AbortSignal).reason).toMatchObject({ reason: 'stop' });
    expect(await storage.get(id)).toMatchObject({ state: 'succeeded', result: 'wrapped up' });
  });

  it('hands back a job whose handler throws because of the stop, without spending the attempt', async () => {
    const { server, registry, storage } = makeServer();
    let started = false;
    registry.register('abortable', (_p, ctx) => {
      started = true;
      return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    });
    await server.start();
    const id = await server.client.enqueue('abortable', {});
    await until(() => started);
    const moves: string[] = [];
    server.onStateChange((e) => {
      moves.push(`${e.from}->${e.to}`);
    });
    await server.stop();
    expect(await storage.get(id)).toMatchObject({ state: 'enqueued', attempt: 0, lockedBy: null });
    expect(moves).toEqual(['processing->enqueued']);
  });

  it('returns jobs still running at the shutdown deadline to enqueued with the attempt refunded', async () => {
    const { server, registry, storage, clock } = makeServer({ shutdownTimeoutMs: 5000 });
    const stubborn = deferred<string>();
    let started = false;
    registry.register('stubborn', () => {
      started = true;
      return stubborn.promise;
    });
    await server.start();
    const id = await server.client.enqueue('stubborn', {});
    await until(() => started);
    let stopped = false;
    const stopping = server.stop().then(() => {
      stopped = true;
    });
    await settle();
    expect(stopped).toBe(false);
    clock.advance(4999);
    await settle();
    expect(stopped).toBe(false);
    clock.advance(1);
    await stopping;
    expect(await storage.get(id)).toMatchObject({ state: 'enqueued', attempt: 0, leaseId: null });
    stubborn.resolve('too late');
    await settle();
    expect((await storage.get(id))?.state).toBe('enqueued');
  });

  it('resolves within shutdownTimeoutMs plus a 5 s margin while storage answers nothing', async () => {
    const base = makeServer();
    let hanging = false;
    const hangs = new Proxy(base.storage, {
      get(target, key, receiver) {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== 'function' || key === 'subscribe') return value;
        return (...args: unknown[]) =>
          hanging ? new Promise(() => {}) : (value as (...a: unknown[]) => unknown).apply(target, args);
      },
    });
    const { server, registry, clock } = makeServer({ shutdownTimeoutMs: 2000 }, { storage: hangs, clock: base.clock });
    const started: string[] = [];
    registry.register('cooperative', async (_payload, ctx) => {
      started.push(ctx.job.id);
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      return 'stopped early';
    });
    registry.register('stubborn', async (_payload, ctx) => {
      started.push(ctx.job.id);
      await new Promise(() => {});
    });
    await server.start();
    await server.client.enqueue('cooperative', {});
    await server.client.enqueue('stubborn', {});
    await until(() => started.length === 2);
    hanging = true;
    let stopped = false;
    const stopping = server.stop().then(() => {
      stopped = true;
    });
    await settle();
    clock.advance(2000 + 4999);
    await settle(20);
    expect(stopped).toBe(false);
    clock.advance(1);
    await settle(20);
    expect(stopped).toBe(true);
    await stopping;
    expect(server.isRunning()).toBe(false);
    // Its last writes were given up: the row stays, so peers reclaim its jobs once it falls silent.
    expect((await base.storage.listServers()).map((row) => row.id)).toEqual([server.id]);
  });
});

describe('BackgroundJobServer middleware', () => {
  it('runs middleware A>B>C>handler>C>B>A around the handler, inside one execution', async () => {
    const { server, registry } = makeServer();
    const trail: string[] = [];
    const named =
      (name: string): Middleware =>
      async (_ctx, next) => {
        trail.push(`${name}>`);
        const result = await next();
        trail.push(`<${name}`);
        return result;
      };
    registry.register('work', async () => {
      trail.push('handler');
      return 'done';
    });
    server.use(named('A')).use(named('B')).use(named('C'));
    await server.start();
    const id = await server.client.enqueue('work', {});
    await nextEvent(server, 'jobSucceeded', (e) => e.jobId === id);
    expect(trail).toEqual(['A>', 'B>', 'C>', 'handler', '<C', '<B', '<A']);
    await server.stop();
  });

  it('lets a middleware short-circuit and transform the stored result', async () => {
    const { server, registry, storage } = makeServer();
    let handlerRan = false;
    registry.register('cached', async () => {
      handlerRan = true;
      return 'fresh';
    });
    registry.register('wrapped', async () => 2);
    server.use(async (ctx, next) => (ctx.job.method === 'cached' ? 'from cache' : { value: await next() }));
    await server.start();
    const cached = await server.client.enqueue('cached', {});
    const wrapped = await server.client.enqueue('wrapped', {});
    await until(async () => (await storage.counts()).byState.succeeded === 2);
    expect(handlerRan).toBe(false);
    expect((await storage.get(cached))?.result).toBe('from cache');
    expect((await storage.get(wrapped))?.result).toEqual({ value: 2 });
    await server.stop();
  });
});

describe('BackgroundJobServer events', () => {
  it('emits each transition after it is persisted', async () => {
    const { server, registry, storage } = makeServer();
    registry.register('ok', async () => 'yes');
    const seen: [string, string, string | undefined][] = [];
    const record = (name: string) => (e: JobEvent) => {
      // Called synchronously after the write: the stored job must already show the new state.
      const stored = storage.get(e.jobId).then((job) => {
        seen.push([name, e.to, job?.state]);
      });
      return stored;
    };
    server.on('jobStarted', record('jobStarted')).on('jobSucceeded', record('jobSucceeded'));
    server.onStateChange(record('stateChange'));
    await server.start();
    const id = await server.client.enqueue('ok', {});
    await nextEvent(server, 'jobSucceeded', (e) => e.jobId === id);
    await until(() => seen.length === 4);
    expect(seen).toEqual([
      ['stateChange', 'processing', 'processing'],
      ['jobStarted', 'processing', 'processing'],
      ['stateChange', 'succeeded', 'succeeded'],
      ['jobSucceeded', 'succeeded', 'succeeded'],
    ]);
    await server.stop();
  });

  it('reports a throwing listener on error and keeps processing', async () => {
    const { server, registry, storage } = makeServer();
    registry.register('ok', async () => 'yes');
    const errors: ErrorEvent[] = [];
    server.on('error', (e) => {
      errors.push(e);
    });
    server.on('jobStarted', () => {
      throw new Error('listener bug');
    });
    server.on('jobSucceeded', async () => {
      throw new Error('async listener bug');
    });
    await server.start();
    const ids = await server.client.enqueueMany([
      { method: 'ok', payload: {} },
      { method: 'ok', payload: {} },
    ]);
    await until(async () => (await storage.counts()).byState.succeeded === 2);
    await until(() => errors.length === 4);
    expect(errors.every((e) => e.source === 'listener')).toBe(true);
    expect(errors.map((e) => (e.error as Error).message).sort()).toEqual([
      'async listener bug',
      'async listener bug',
      'listener bug',
      'listener bug',
    ]);
    expect(ids).toHaveLength(2);
    await server.stop();
  });
});

describe('BackgroundJobServer resilience', () => {
  it('reclaims the job of a peer that stopped heartbeating and discards the peer’s late result', async () => {
    const timing = { heartbeatIntervalMs: 1000, deadServerTimeoutMs: 5000, leaseMs: 600_000, enableCleanup: false };
    const survivor = makeServer(timing);
    // The peer's heartbeat "freezes" (its beats and sweeps stop reaching storage) while its handler still runs.
    const frozen: Record<string, unknown> = {
      heartbeatServer: async () => true,
      reclaimDeadServers: async () => [],
      requeueExpiredLeases: async () => [],
    };
    const frozenBeats = new Proxy(survivor.storage, {
      get(target, key, receiver) {
        if (typeof key === 'string' && key in frozen) return frozen[key];
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as Storage;
    const peer = makeServer({ ...timing, workerCount: 1 }, { storage: frozenBeats, clock: survivor.clock });
    const peerGate = deferred<string>();
    peer.registry.register('report', () => peerGate.promise);
    survivor.registry.register('report', async () => 'from survivor');
    const peerErrors: ErrorEvent[] = [];
    peer.server.on('error', (e) => {
      peerErrors.push(e);
    });

    await peer.server.start();
    const id = await peer.server.client.enqueue('report', {});
    await nextEvent(peer.server, 'jobStarted', (e) => e.jobId === id);
    const dead = nextEvent(survivor.server, 'serverDead', (e: ServerDeadEvent) => e.serverId === peer.server.id);
    const succeeded = nextEvent(survivor.server, 'jobSucceeded', (e) => e.jobId === id);
    await survivor.server.start();
    await advanceUntil(survivor.clock, async () => (await survivor.storage.get(id))?.state === 'succeeded', 1000, 20);
    expect((await dead).jobs.map((j) => j.id)).toEqual([id]);
    expect((await succeeded).job.attempt).toBe(2);

    peerGate.resolve('from the dead peer');
    await until(() => peerErrors.some((e) => e.source === 'finish'));
    expect(await survivor.storage.get(id)).toMatchObject({ state: 'succeeded', result: 'from survivor' });
    await Promise.all([peer.server.stop(), survivor.server.stop()]);
  });

  it('survives a storage that throws for a while and resumes processing', async () => {
    const base = makeServer();
    const state = flakiness();
    const t = makeServer({}, { storage: flakyStorage(base.storage, state), clock: base.clock });
    t.registry.register('ok', async () => 'fine');
    const errors: ErrorEvent[] = [];
    t.server.on('error', (e) => {
      errors.push(e);
    });
    const ids = await t.server.client.enqueueMany(Array.from({ length: 20 }, () => ({ method: 'ok', payload: {} })));
    await t.server.start();
    state.failuresLeft = 12;
    await advanceUntil(
      t.clock,
      async () => state.failuresLeft === 0 && (await base.storage.counts()).byState.succeeded === 20,
      1000,
      400,
    );
    expect(state.failed.length).toBe(12);
    expect(errors.length).toBeGreaterThan(0);
    expect(t.server.isRunning()).toBe(true);
    for (const id of ids) expect((await base.storage.get(id))?.state).toBe('succeeded');
    await t.server.stop();
  });
});

describe('BackgroundJobServer start against a store it cannot use', () => {
  for (const method of ['migrate', 'registerServer']) {
    it(`rejects with the storage's error when ${method} fails, stays stopped, and can start once the store is back`, async () => {
      const base = makeServer();
      const state = flakiness();
      state.methods = [method];
      state.failuresLeft = 1;
      const t = makeServer({}, { storage: flakyStorage(base.storage, state), clock: base.clock });
      t.registry.register('ok', async () => 'fine');

      const failure = await t.server.start().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StorageError);
      expect((failure as StorageError).message).toContain(`${method}: storage failed: injected failure`);
      expect(t.server.isRunning()).toBe(false);
      expect(await base.storage.listServers()).toEqual([]);
      await t.server.stop(); // nothing to stop, and no rejection from the failed start

      await t.server.start();
      const id = await t.server.client.enqueue('ok', {});
      await nextEvent(t.server, 'jobSucceeded', (e) => e.jobId === id);
      await t.server.stop();
    });
  }
});

describe('BackgroundJobServer signal handling', () => {
  /** Stands for the app's own SIGTERM listener, so the handler leaves the process alive (and this test runner). */
  const appListener = () => undefined;

  it('shares one SIGTERM/SIGINT listener among started servers and stops them all on SIGTERM', async () => {
    process.on('SIGTERM', appListener);
    const before = { term: process.listenerCount('SIGTERM'), int: process.listenerCount('SIGINT') };
    try {
      const a = makeServer();
      const b = makeServer();
      await a.server.start();
      await b.server.start();
      expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
      expect(process.listenerCount('SIGINT')).toBe(before.int + 1);

      process.emit('SIGTERM', 'SIGTERM');
      await until(() => !a.server.isRunning() && !b.server.isRunning());
      await until(() => process.listenerCount('SIGTERM') === before.term);
      expect(process.listenerCount('SIGINT')).toBe(before.int);
      expect(await a.storage.listServers()).toEqual([]);
    } finally {
      process.off('SIGTERM', appListener);
    }
  });

  it('adds no listener with handleSignals: false, and removes its own on stop()', async () => {
    const before = process.listenerCount('SIGINT');
    const quiet = makeServer({ handleSignals: false });
    await quiet.server.start();
    expect(process.listenerCount('SIGINT')).toBe(before);
    await quiet.server.stop();

    const handled = makeServer();
    await handled.server.start();
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    await handled.server.stop();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('rejects a handleSignals that is not a boolean', () => {
    expect(() => makeServer({ handleSignals: 'yes' as unknown as boolean })).toThrow(/handleSignals/);
  });
});
