// wake-ups.test.ts: WakeUps keeps one notify statement in flight and folds the queues named meanwhile into the next,
// and each wake resolves only once a statement naming its queues has run. No database: the sender is a stub.
import { describe, expect, it } from 'vitest';
import { WakeUps } from '../src/wake-ups.js';

/** A sender whose statements finish when the test says so; records what each one named. */
function stubSender() {
  const sent: string[][] = [];
  const finishers: (() => void)[] = [];
  const send = (queues: readonly string[]) => {
    sent.push([...queues].sort());
    return new Promise<void>((resolve) => finishers.push(resolve));
  };
  const finishNext = async () => {
    finishers.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { sent, send, finishNext };
}

describe('WakeUps', () => {
  it('sends at once when idle, and folds the wakes made meanwhile into one next statement', async () => {
    const { sent, send, finishNext } = stubSender();
    const wakeUps = new WakeUps(send);
    const done: string[] = [];
    const first = wakeUps.wake(new Set(['a'])).then(() => done.push('first'));
    const second = wakeUps.wake(new Set(['b', 'a'])).then(() => done.push('second'));
    const third = wakeUps.wake(new Set(['c'])).then(() => done.push('third'));
    expect(sent).toEqual([['a']]);
    await finishNext();
    expect(done).toEqual(['first']);
    expect(sent).toEqual([['a'], ['a', 'b', 'c']]);
    const fourth = wakeUps.wake(new Set(['d'])).then(() => done.push('fourth'));
    await finishNext();
    expect(done).toEqual(['first', 'second', 'third']);
    expect(sent).toEqual([['a'], ['a', 'b', 'c'], ['d']]);
    await finishNext();
    await Promise.all([first, second, third, fourth]);
    expect(done).toEqual(['first', 'second', 'third', 'fourth']);
    expect(sent).toHaveLength(3);
  });

  it('idle() waits for the statement in flight and the one queued behind it', async () => {
    const { sent, send, finishNext } = stubSender();
    const wakeUps = new WakeUps(send);
    void wakeUps.wake(new Set(['a']));
    void wakeUps.wake(new Set(['b']));
    let idle = false;
    const waited = wakeUps.idle().then(() => {
      idle = true;
    });
    await finishNext();
    expect(idle).toBe(false);
    await finishNext();
    await waited;
    expect(idle).toBe(true);
    expect(sent).toEqual([['a'], ['b']]);
    await wakeUps.idle(); // nothing pending: resolves at once
  });
});
