// store-clock-sync.test.ts: the re-measure loop on a ManualClock base, the store's time read replaced by a function
// (the real reads run against Postgres and Redis in their store-clock tests): it measures again every
// RESYNC_INTERVAL_MS, keeps the last offset through failures and reports each run of them once, and stops for good.
import { describe, expect, it, vi } from 'vitest';
import { ManualClock } from './clock.js';
import { RESYNC_INTERVAL_MS, StoreClockSync } from './store-clock-sync.js';

/** A store `offsetMs` ahead of the base clock, whose reads fail while `isDown`. */
function fakeStore(base: ManualClock) {
  const store = {
    offsetMs: 5_000,
    isDown: false,
    reads: 0,
    read: async (): Promise<Date> => {
      store.reads++;
      if (store.isDown) throw new Error('connection lost');
      return new Date(base.now().getTime() + store.offsetMs);
    },
  };
  return store;
}

function setup() {
  const base = new ManualClock();
  const store = fakeStore(base);
  const reports: Error[] = [];
  const sync = new StoreClockSync(base, store.read, (error) => reports.push(error));
  return { base, store, reports, sync };
}

describe('StoreClockSync', () => {
  it('measures the offset at start, then again every RESYNC_INTERVAL_MS of the base clock', async () => {
    const { base, store, sync } = setup();
    await sync.start();
    expect(sync.clock.offsetMs).toBe(5_000);
    store.offsetMs = -2_000;
    base.advance(RESYNC_INTERVAL_MS - 1);
    await Promise.resolve();
    expect(sync.clock.offsetMs).toBe(5_000);
    base.advance(1);
    await vi.waitFor(() => expect(sync.clock.offsetMs).toBe(-2_000));
    await sync.stop();
  });

  it('keeps the last offset through failed resyncs, reporting each run of failures once and never throwing', async () => {
    const { base, store, reports, sync } = setup();
    await sync.start();
    store.isDown = true;
    for (let i = 0; i < 3; i++) {
      const reads = store.reads;
      base.advance(RESYNC_INTERVAL_MS);
      await vi.waitFor(() => expect(store.reads).toBeGreaterThan(reads));
    }
    expect(sync.clock.offsetMs).toBe(5_000);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ name: 'StorageError', operation: 'syncClock' });
    expect(reports[0]?.message).toContain('keeping the last offset (5000 ms): connection lost');

    store.isDown = false;
    store.offsetMs = 7_000;
    base.advance(RESYNC_INTERVAL_MS);
    await vi.waitFor(() => expect(sync.clock.offsetMs).toBe(7_000));
    store.isDown = true;
    base.advance(RESYNC_INTERVAL_MS);
    await vi.waitFor(() => expect(reports).toHaveLength(2));
    await sync.stop();
  });

  it("rejects start with the reader's error when the time cannot be read, and runs no loop", async () => {
    const { base, store, sync } = setup();
    store.isDown = true;
    await expect(sync.start()).rejects.toThrow('connection lost');
    const reads = store.reads;
    base.advance(RESYNC_INTERVAL_MS);
    await Promise.resolve();
    expect(store.reads).toBe(reads);
  });

  it('never throws out of the loop when the report listener throws', async () => {
    const base = new ManualClock();
    const store = fakeStore(base);
    const sync = new StoreClockSync(base, store.read, () => {
      throw new Error('listener broke');
    });
    await sync.start();
    store.isDown = true;
    const reads = store.reads;
    base.advance(RESYNC_INTERVAL_MS);
    await vi.waitFor(() => expect(store.reads).toBeGreaterThan(reads));
    store.isDown = false;
    store.offsetMs = 9_000;
    base.advance(RESYNC_INTERVAL_MS);
    await vi.waitFor(() => expect(sync.clock.offsetMs).toBe(9_000));
    await sync.stop();
  });

  it('stops for good: no resync after stop(), which ends the sleep at once', async () => {
    const { base, store, sync } = setup();
    await sync.start();
    await sync.stop();
    const reads = store.reads;
    base.advance(10 * RESYNC_INTERVAL_MS);
    await Promise.resolve();
    expect(store.reads).toBe(reads);
  });
});
