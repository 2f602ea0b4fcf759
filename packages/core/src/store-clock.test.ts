import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { SkewedClock, StoreClock } from './store-clock.js';

describe('StoreClock', () => {
  it('reads the base clock until synced, then the base clock plus the measured offset', async () => {
    const base = new ManualClock(Date.UTC(2030, 0, 1));
    const storeAheadMs = 61_234;
    const clock = new StoreClock(base, async () => new Date(base.now().getTime() + storeAheadMs));
    expect(clock.now()).toEqual(base.now());
    expect(clock.isSynced).toBe(false);
    expect(await clock.sync()).toBe(storeAheadMs);
    expect(clock.isSynced).toBe(true);
    base.advance(1000);
    expect(clock.now().getTime()).toBe(base.now().getTime() + storeAheadMs);
  });

  it('places each reading at the midpoint of its round trip and keeps the shortest round trip', async () => {
    const base = new ManualClock(Date.UTC(2030, 0, 1));
    // Round trips of 400, 20 and 300 ms; the store's clock is 5 s behind, read halfway through each trip.
    const trips = [400, 20, 300];
    let call = 0;
    const clock = new StoreClock(base, async () => {
      const trip = trips[call++] ?? 0;
      base.advance(trip / 2);
      const storeAt = new Date(base.now().getTime() - 5000);
      base.advance(trip / 2);
      return storeAt;
    });
    expect(await clock.sync()).toBe(-5000);
    expect(call).toBe(3);
  });

  it('keeps the old offset when the store cannot be read', async () => {
    const base = new ManualClock();
    let fail = false;
    const clock = new StoreClock(base, async () => {
      if (fail) throw new Error('store down');
      return new Date(base.now().getTime() + 30_000);
    });
    await clock.sync();
    fail = true;
    await expect(clock.sync()).rejects.toThrow('store down');
    expect(clock.offsetMs).toBe(30_000);
  });

  it('sleeps on the base clock', async () => {
    const base = new ManualClock();
    const clock = new StoreClock(base, async () => new Date(0));
    let woke = false;
    const sleeping = clock.sleep(1000).then(() => {
      woke = true;
    });
    base.advance(999);
    await Promise.resolve();
    expect(woke).toBe(false);
    base.advance(1);
    await sleeping;
    expect(woke).toBe(true);
  });
});

describe('SkewedClock', () => {
  it('reads the base clock off by skewMs, both ways', () => {
    const base = new ManualClock(Date.UTC(2030, 0, 1));
    expect(new SkewedClock(60_000, base).now().getTime()).toBe(base.now().getTime() + 60_000);
    expect(new SkewedClock(-30_000, base).now().getTime()).toBe(base.now().getTime() - 30_000);
  });
});
