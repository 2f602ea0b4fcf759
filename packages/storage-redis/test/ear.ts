// ear.ts: a wake-up listener for the pub/sub tests (one Redis and Cluster): records the queues it hears and lets a
// test await one, bounded in time, never by a sleep.
import type { JobAvailableListener } from '@jobsmith/core/storage';

const HEAR_WITHIN_MS = 5_000;
/** While a subscriber reconnects, a publish may go unheard: the poke is repeated this often until one is heard. */
const POKE_EVERY_MS = 50;

/** Records the queues a listener hears; `heard(queue)` resolves when it has, or fails after HEAR_WITHIN_MS. */
export class Ear {
  readonly queues: string[] = [];
  private readonly waiters = new Map<string, () => void>();
  readonly listener: JobAvailableListener = (queue) => {
    this.queues.push(queue);
    this.waiters.get(queue)?.();
  };

  heard(queue: string): Promise<void> {
    if (this.queues.includes(queue)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no wake-up for ${queue} in ${HEAR_WITHIN_MS} ms`)),
        HEAR_WITHIN_MS,
      );
      timer.unref();
      this.waiters.set(queue, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Repeats `poke` (which should publish `queue`) until `queue` is heard: for use right after a connection drop. */
  async heardAfterOutage(queue: string, poke: () => Promise<unknown>): Promise<void> {
    const heard = this.heard(queue);
    let settled = false;
    void heard.finally(() => {
      settled = true;
    });
    while (!settled) {
      await poke();
      await Promise.race([heard, new Promise((resolve) => setTimeout(resolve, POKE_EVERY_MS).unref())]);
    }
    await heard;
  }
}
