import { describe, expect, it } from 'vitest';
import { ManualClock } from '../clock.js';
import { type Deadline, DeadlineQueue } from './deadlines.js';
import { makeLoopContext, settle, until } from './test-support.js';

interface Entry extends Deadline {
  name: string;
}

function setup() {
  const clock = new ManualClock();
  const expired: string[] = [];
  const queue = new DeadlineQueue<Entry>(makeLoopContext(clock), (entry) => expired.push(entry.name));
  const entry = (name: string, timeoutMs: number): Entry => ({
    name,
    timeoutMs,
    deadlineAt: clock.now().getTime() + timeoutMs,
  });
  return { clock, queue, expired, entry };
}

describe('DeadlineQueue', () => {
  it('expires entries whose deadline passed, across timeout groups, in one pass', async () => {
    const { clock, queue, expired, entry } = setup();
    queue.add(entry('a-100', 100));
    queue.add(entry('b-50', 50));
    clock.advance(10);
    queue.add(entry('c-100', 100));
    clock.advance(90);
    expect(await queue.runOnce()).toBe(2);
    expect(expired.sort()).toEqual(['a-100', 'b-50']);
    clock.advance(10);
    expect(await queue.runOnce()).toBe(1);
    expect(await queue.runOnce()).toBe(0);
  });

  it('never expires a removed entry', async () => {
    const { clock, queue, expired, entry } = setup();
    const gone = entry('gone', 10);
    queue.add(gone);
    queue.remove(gone);
    clock.advance(100);
    expect(await queue.runOnce()).toBe(0);
    expect(expired).toEqual([]);
  });

  it('keeps one timer: sleeps until the earliest deadline, and re-arms for an earlier one', async () => {
    const { clock, queue, expired, entry } = setup();
    queue.start();
    await settle();
    expect(clock.sleeperCount).toBe(0); // nothing to wait for: no timer at all
    queue.add(entry('long', 10_000));
    await until(() => clock.sleeperCount === 1);
    queue.add(entry('short', 500));
    await settle();
    expect(clock.sleeperCount).toBe(1);
    clock.advance(500);
    await until(() => expired.length === 1);
    expect(expired).toEqual(['short']);
    clock.advance(9_500);
    await until(() => expired.length === 2);
    await queue.stop();
    expect(clock.sleeperCount).toBe(0);
  });
});
