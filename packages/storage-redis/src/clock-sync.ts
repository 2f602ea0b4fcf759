// clock-sync.ts: keeps a RedisStorage's StoreClock in step with Redis's TIME. The first sync is part of readiness;
// then one every RESYNC_INTERVAL_MS on the base clock's sleep (an unref'd timer on the system clock) until stop().
// A failed resync keeps the last offset and is reported once per run of failures, never thrown.
import { type Clock, StorageError, StoreClock } from '@jobsmith/core';
import type { Cluster, Redis } from 'ioredis';

/** How often the offset to Redis's clock is measured again: host clocks drift by milliseconds a minute at most. */
export const RESYNC_INTERVAL_MS = 60_000;

/** Redis's clock, from TIME ([seconds, microseconds]). */
export async function readRedisTime(client: Redis | Cluster): Promise<Date> {
  const [seconds, microseconds] = await client.time();
  return new Date(Number(seconds) * 1_000 + Math.floor(Number(microseconds) / 1_000));
}

/** The StoreClock over `base` and its resync loop. */
export class ClockSync {
  readonly clock: StoreClock;
  private readonly base: Clock;
  private readonly report: (error: Error) => void;
  private readonly stopper = new AbortController();
  private loop: Promise<void> | null = null;
  private isFailing = false;

  /** @param report receives a failed resync (the first of each run of failures); it must not throw */
  constructor(base: Clock, readTime: () => Promise<Date>, report: (error: Error) => void) {
    this.base = base;
    this.clock = new StoreClock(base, readTime);
    this.report = report;
  }

  /** The first sync; rejects when Redis's time cannot be read. Once it succeeds, the resync loop runs until stop(). */
  async start(): Promise<void> {
    try {
      await this.clock.sync();
    } catch (cause) {
      const detail = "cannot read Redis TIME to sync the clock (pass syncClock: false to use this host's clock)";
      throw new StorageError('migrate', { cause, detail: `${detail}: ${reasonOf(cause)}` });
    }
    if (!this.stopper.signal.aborted) this.loop ??= this.resyncUntilStopped();
  }

  /** Ends the loop (its sleep at once) and waits for a resync in flight. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  private async resyncUntilStopped(): Promise<void> {
    const { signal } = this.stopper;
    while (!signal.aborted) {
      await this.base.sleep(RESYNC_INTERVAL_MS, signal);
      if (signal.aborted) return;
      await this.resync(signal);
    }
  }

  private async resync(signal: AbortSignal): Promise<void> {
    try {
      await this.clock.sync();
      this.isFailing = false;
    } catch (cause) {
      if (signal.aborted || this.isFailing) return;
      this.isFailing = true;
      const detail = `cannot read Redis TIME; keeping the last offset (${this.clock.offsetMs} ms): ${reasonOf(cause)}`;
      this.report(new StorageError('syncClock', { cause, detail }));
    }
  }
}

function reasonOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
