import { describe, expect, it } from 'vitest';
import { ManualClock, SystemClock } from './clock.js';

describe('ManualClock', () => {
  it('moves only when advanced', () => {
    const clock = new ManualClock(1000);
    expect(clock.now().getTime()).toBe(1000);
    clock.advance(500);
    expect(clock.now().getTime()).toBe(1500);
  });

  it('wakes sleepers whose deadline passed, in one advance', async () => {
    const clock = new ManualClock(0);
    const woke: number[] = [];
    const a = clock.sleep(100).then(() => woke.push(100));
    const b = clock.sleep(300).then(() => woke.push(300));
    expect(clock.sleeperCount).toBe(2);
    clock.advance(150);
    await a;
    expect(woke).toEqual([100]);
    clock.advance(150);
    await b;
    expect(woke).toEqual([100, 300]);
    expect(clock.sleeperCount).toBe(0);
  });

  it('ends a sleep early when its signal aborts', async () => {
    const clock = new ManualClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(60_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(clock.sleeperCount).toBe(0);
  });

  it('refuses to move backwards', () => {
    const clock = new ManualClock(1000);
    expect(() => clock.set(999)).toThrow(RangeError);
  });
});

describe('SystemClock', () => {
  it('returns at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const started = performance.now();
    await new SystemClock().sleep(60_000, controller.signal);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
