// store-clock-sync.ts: keeps a backend's StoreClock in step with the store. The first measure is part of the storage's
// readiness (it rejects, so the storage fails to open rather than run on a wrong clock); then one every
// RESYNC_INTERVAL_MS on the base clock's sleep (an unref'd timer on the system clock) until stop(). A failed re-measure
// keeps the last offset and is reported once per run of failures, never thrown.
import type { Clock } from './clock.js';
import { StorageError } from './errors.js';
import { StoreClock, type StoreTimeReader } from './store-clock.js';

/** How often the offset is measured again: host clocks drift by milliseconds a minute at most. */
export const RESYNC_INTERVAL_MS = 60_000;

/** A StoreClock over `base` and the loop that measures its offset again. */
export class StoreClockSync {
  readonly clock: StoreClock;
  private readonly base: Clock;
  private readonly report: (error: Error) => void;
  private readonly stopper = new AbortController();
  private loop: Promise<void> | null = null;
  private isFailing = false;

  /** @param report receives a failed re-measure (the first of each run of failures) */
  constructor(base: Clock, readStoreTime: StoreTimeReader, report: (error: Error) => void) {
    this.base = base;
    this.clock = new StoreClock(base, readStoreTime);
    this.report = report;
  }

  /** The first measure; rejects with the reader's error. Once it succeeds, re-measures run until stop(). */
  async start(): Promise<void> {
    await this.clock.sync();
    if (!this.stopper.signal.aborted) this.loop ??= this.resyncUntilStopped();
  }

  /** Ends the loop (its sleep at once) and waits for a re-measure in flight. */
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
      const reason = cause instanceof Error ? cause.message : String(cause);
      const detail = `cannot read the store's time; keeping the last offset (${this.clock.offsetMs} ms): ${reason}`;
      try {
        this.report(new StorageError('syncClock', { cause, detail }));
      } catch {
        // A report listener that throws must not leave a rejection behind in the loop.
      }
    }
  }
}
