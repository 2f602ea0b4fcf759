// clock.ts: the only source of time. Storage and server share one Clock, so a ManualClock makes delays, backoff,
// cron and TTLs deterministic in tests. Nothing else in jobsmith calls Date.now().

/** Where jobsmith reads the time and waits. */
export interface Clock {
  now(): Date;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Wall-clock time and real timers. Timers are unref'd so a sleeping loop never keeps the process alive. */
export class SystemClock implements Clock {
  now(): Date {
    return new Date();
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref();
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/** The shared default clock. */
export const systemClock: Clock = new SystemClock();

/**
 * Time that moves only when told. `advance(ms)` wakes every sleeper whose deadline has passed; `sleep(0)` still
 * yields to the event loop so loops under test never spin synchronously.
 */
export class ManualClock implements Clock {
  private current: number;
  private readonly sleepers = new Set<{ until: number; wake: () => void }>();

  constructor(start: Date | number = Date.UTC(2030, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = {
        until: this.current + Math.max(0, ms),
        wake: () => {
          this.sleepers.delete(sleeper);
          signal?.removeEventListener('abort', sleeper.wake);
          resolve();
        },
      };
      signal?.addEventListener('abort', sleeper.wake, { once: true });
      if (sleeper.until <= this.current) queueMicrotask(sleeper.wake);
      else this.sleepers.add(sleeper);
    });
  }

  /** Moves time forward and wakes the sleepers that are due. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  /** Moves time to `at` (never backwards) and wakes the sleepers that are due. */
  set(at: Date | number): void {
    const target = typeof at === 'number' ? at : at.getTime();
    if (target < this.current) throw new RangeError('ManualClock cannot move backwards');
    this.current = target;
    for (const sleeper of [...this.sleepers]) if (sleeper.until <= this.current) sleeper.wake();
  }

  /** How many callers are sleeping now: lets a test wait until a loop has gone idle. */
  get sleeperCount(): number {
    return this.sleepers.size;
  }
}
