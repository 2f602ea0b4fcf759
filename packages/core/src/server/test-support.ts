// server/test-support.ts: helpers for the runtime's tests (not part of the public API): a server on MemoryStorage
// and a ManualClock, waits on events with a bounded real-time limit, and a storage that fails on purpose.
import { MemoryStorage } from '@jobsmith/storage-memory';
import { expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { StorageError } from '../errors.js';
import { EventHub, type ServerEventMap, type ServerEventName } from '../events.js';
import { silentLogger } from '../logger.js';
import { WorkerRegistry } from '../registry.js';
import type { FinishOutcome, Storage } from '../storage.js';
import { DEFAULT_TUNING, type ServerConfig } from './config.js';
import type { Loop, LoopContext } from './loop.js';
import { BackgroundJobServer } from './server.js';

/** Quiet defaults for tests: only the parts a test turns on run. */
export const TEST_CONFIG: ServerConfig = Object.freeze({ logger: silentLogger });

export interface TestServer {
  clock: ManualClock;
  storage: Storage;
  registry: WorkerRegistry;
  server: BackgroundJobServer;
}

/** A server over a fresh MemoryStorage on a ManualClock (or the given storage). */
export function makeServer(config: ServerConfig = {}, given?: { storage: Storage; clock: ManualClock }): TestServer {
  const clock = given?.clock ?? new ManualClock();
  const storage = given?.storage ?? new MemoryStorage({ clock });
  const registry = new WorkerRegistry();
  const server = new BackgroundJobServer({ ...TEST_CONFIG, ...config }, storage, registry);
  return { clock, storage, registry, server };
}

/** A loop context whose errors are collected in `errors`. */
export function makeLoopContext(clock: ManualClock): LoopContext & { errors: ServerEventMap['error'][] } {
  const events = new EventHub(silentLogger);
  const errors: ServerEventMap['error'][] = [];
  events.on('error', (e) => {
    errors.push(e);
  });
  return { clock, events, logger: silentLogger, errors };
}

type Listenable = { on<E extends ServerEventName>(event: E, fn: (e: ServerEventMap[E]) => void): unknown };

/** Resolves with the first `event` that matches `predicate`; rejects after `timeoutMs` of real time. */
export function nextEvent<E extends ServerEventName>(
  source: Listenable,
  event: E,
  predicate: (e: ServerEventMap[E]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<ServerEventMap[E]> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${event}`));
    }, timeoutMs);
    source.on(event, (e) => {
      if (done || !predicate(e)) return;
      done = true;
      clearTimeout(timer);
      resolve(e);
    });
  });
}

/** Lets pending promise chains and immediates run (a few turns of the event loop; no time passes). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Advances `clock` by `stepMs` at a time, letting work settle after each step, until `done()` or `maxSteps`. */
export async function advanceUntil(
  clock: ManualClock,
  done: () => boolean | Promise<boolean>,
  stepMs: number,
  maxSteps = 200,
): Promise<void> {
  await settle();
  for (let step = 0; step < maxSteps; step++) {
    if (await done()) return;
    clock.advance(stepMs);
    await settle();
  }
  if (await done()) return;
  throw new Error(`condition not met after ${maxSteps} steps of ${stepMs} ms`);
}

/** Resolves when `condition()` holds, checking after each turn of the event loop; rejects after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Controls a FlakyStorage: how many more calls fail, and which methods may fail. */
export interface Flakiness {
  failuresLeft: number;
  /** Methods that may fail; empty means every async method. */
  methods: string[];
  /** Calls that failed so far, by method. */
  failed: string[];
  /** Calls that went through, by method. */
  calls: string[];
}

/** A Flakiness that fails nothing yet. */
export function flakiness(): Flakiness {
  return { failuresLeft: 0, methods: [], failed: [], calls: [] };
}

/**
 * What every loop test starts from: a ManualClock (at `start`), a MemoryStorage on it, the same storage behind a
 * switchable fault wrapper (`state`), and a loop context that records `error` events.
 */
export function makeLoopFixture(start?: Date) {
  const clock = new ManualClock(start);
  const memory = new MemoryStorage({ clock });
  const state = flakiness();
  return { clock, memory, state, storage: flakyStorage(memory, state), context: makeLoopContext(clock) };
}

/** Wraps `storage` so its async methods throw StorageError while `state.failuresLeft` > 0. */
export function flakyStorage(storage: Storage, state: Flakiness): Storage {
  const sync = new Set(['subscribe', 'clock', 'capabilities']);
  return new Proxy(storage, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || typeof value !== 'function' || sync.has(key)) return value;
      return (...args: unknown[]) => {
        const eligible = state.methods.length === 0 || state.methods.includes(key);
        if (eligible && state.failuresLeft > 0) {
          state.failuresLeft--;
          state.failed.push(key);
          return Promise.reject(new StorageError(key, { detail: 'injected failure' }));
        }
        state.calls.push(key);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** Holds `storage.finish` calls at a gate the test opens and closes. */
export interface FinishGate {
  /** The outcomes of every finish call so far, in call order (a held call is listed as it arrives). */
  readonly calls: FinishOutcome[][];
  /** Calls waiting at the gate. */
  readonly waiting: number;
  /** Lets every waiting call through, and later ones until `close()`. */
  open(): void;
  /** Holds later calls at the gate. */
  close(): void;
}

/** Replaces `storage.finish` (on this object only) with one that waits at a gate, closed at first. */
export function gateFinish(storage: Storage): FinishGate {
  const finish = storage.finish.bind(storage);
  const calls: FinishOutcome[][] = [];
  let isOpen = false;
  let held: (() => void)[] = [];
  storage.finish = async (params) => {
    calls.push(params.outcomes);
    if (!isOpen) await new Promise<void>((resolve) => held.push(resolve));
    return finish(params);
  };
  return {
    calls,
    get waiting() {
      return held.length;
    },
    open() {
      isOpen = true;
      const release = held;
      held = [];
      for (const resolve of release) resolve();
    },
    close() {
      isOpen = false;
    },
  };
}

/** A promise with its resolve exposed, for handlers a test releases by hand. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A loop under the shared lifecycle tests, over a flaky storage whose `method` every pass calls. */
export interface LoopUnderTest {
  loop: Loop<unknown>;
  clock: ManualClock;
  state: Flakiness;
  errors: ServerEventMap['error'][];
  method: string;
}

/**
 * Starts `t.loop` with its next `failures` calls of `t.method` failing, and returns the clock times (ms after the
 * start) of every call of `t.method` until one succeeds: the loop's retry pace while its storage is down.
 */
export async function retryTimes(t: LoopUnderTest, failures: number, stepMs: number): Promise<number[]> {
  const startedAt = t.clock.now().getTime();
  const attempts = () => t.state.failed.length + t.state.calls.filter((name) => name === t.method).length;
  const times: number[] = [];
  t.state.methods = [t.method];
  t.state.failuresLeft = failures;
  t.loop.start();
  await settle();
  for (let step = 0; step < 100_000 && times.length <= failures; step++) {
    while (times.length < attempts()) times.push(t.clock.now().getTime() - startedAt);
    t.clock.advance(stepMs);
    await settle();
  }
  await t.loop.stop();
  return times;
}

/** River's lifecycle set, for any loop: stops promptly mid-sleep, resumes after a storage error, restarts. */
export function describeLoopLifecycle(make: () => LoopUnderTest | Promise<LoopUnderTest>): void {
  const callsOf = (t: LoopUnderTest) => t.state.calls.filter((name) => name === t.method).length;

  it('stops promptly mid-sleep', async () => {
    const t = await make();
    t.loop.start();
    await until(() => t.clock.sleeperCount > 0);
    await t.loop.stop();
    expect(t.loop.isRunning).toBe(false);
    expect(t.clock.sleeperCount).toBe(0);
  });

  it('resumes after a storage error', async () => {
    const t = await make();
    t.state.methods = [t.method];
    t.state.failuresLeft = 1;
    t.loop.start();
    await until(() => t.errors.length === 1);
    expect(t.errors[0]!.error).toBeInstanceOf(StorageError);
    expect(callsOf(t)).toBe(0);
    await until(() => t.clock.sleeperCount > 0);
    t.clock.advance(DEFAULT_TUNING.loopBackoff.maxMs * 2);
    await until(() => callsOf(t) > 0);
    await t.loop.stop();
  });

  it('restarts after stop', async () => {
    const t = await make();
    t.loop.start();
    await until(() => callsOf(t) > 0);
    await t.loop.stop();
    const before = callsOf(t);
    t.loop.start();
    await until(() => callsOf(t) > before);
    await t.loop.stop();
  });
}
