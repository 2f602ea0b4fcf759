// clock-sync.test.ts: the StoreClock's upkeep, with a reader standing in for the database and fake timers for the
// minute between measures: the first measure must succeed, later ones that fail keep the offset and go to onError,
// and stop() ends the re-measures.
import { ManualClock, StoreClock } from '@jobsmith/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLOCK_RESYNC_INTERVAL_MS, ClockSync } from '../src/clock-sync.js';

/** A store whose clock is `offsetMs` ahead of `base`, which can be made to fail. */
function fakeStore(base: ManualClock, offsetMs: number) {
  const store = {
    reads: 0,
    failure: null as Error | null,
    read: async () => {
      store.reads++;
      if (store.failure) throw store.failure;
      return new Date(base.now().getTime() + offsetMs);
    },
  };
  return store;
}

describe('ClockSync', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('measures the offset on start, and rejects when the store cannot be read', async () => {
    const base = new ManualClock();
    const store = fakeStore(base, 5_000);
    const errors: Error[] = [];
    const sync = new ClockSync(new StoreClock(base, store.read), (error) => errors.push(error));
    store.failure = new Error('unreachable');
    await expect(sync.start()).rejects.toThrow('unreachable');
    store.failure = null;
    await sync.start();
    expect(sync.clock.offsetMs).toBe(5_000);
    expect(errors).toEqual([]);
    await sync.stop();
  });

  it('measures again every minute; a failed measure keeps the offset and goes to onError', async () => {
    const base = new ManualClock();
    const store = fakeStore(base, 5_000);
    const errors: Error[] = [];
    const sync = new ClockSync(new StoreClock(base, store.read), (error) => errors.push(error));
    await sync.start();
    const readsAfterStart = store.reads;

    store.failure = new Error('unreachable');
    await vi.advanceTimersByTimeAsync(CLOCK_RESYNC_INTERVAL_MS);
    expect(store.reads).toBeGreaterThan(readsAfterStart);
    expect(errors.map((error) => error.message)).toEqual(['unreachable']);
    expect(sync.clock.offsetMs).toBe(5_000);
    expect(sync.clock.now().getTime()).toBe(base.now().getTime() + 5_000);

    await sync.stop();
    const readsAfterStop = store.reads;
    await vi.advanceTimersByTimeAsync(3 * CLOCK_RESYNC_INTERVAL_MS);
    expect(store.reads).toBe(readsAfterStop);
  });

  it('never throws out of the timer when onError throws', async () => {
    const base = new ManualClock();
    const store = fakeStore(base, 0);
    const sync = new ClockSync(new StoreClock(base, store.read), () => {
      throw new Error('listener broke');
    });
    await sync.start();
    store.failure = new Error('unreachable');
    await expect(sync.resync()).resolves.toBeUndefined();
    await sync.stop();
  });
});
