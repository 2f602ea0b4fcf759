// clock-sync.ts: keeps a PostgresStorage's StoreClock on the database's time: the first measure before the first
// operation (part of the storage's readiness, with the migrations), then one a minute on an unref'd timer until
// stop(). A failed re-measure keeps the offset the clock had and goes to onError; nothing is thrown out of the timer.
import type { StoreClock } from '@jobsmith/core';

/** How often the offset is measured again, in ms: host clocks drift by well under a millisecond a minute. */
export const CLOCK_RESYNC_INTERVAL_MS = 60_000;

export class ClockSync {
  private timer: NodeJS.Timeout | null = null;
  /** The re-measure in flight, which stop() awaits. */
  private resyncing: Promise<void> | null = null;
  private isStopped = false;

  constructor(
    readonly clock: StoreClock,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Measures the offset (rejecting when the store cannot be read) and starts the periodic re-measure. */
  async start(): Promise<void> {
    await this.clock.sync();
    if (this.isStopped || this.timer !== null) return;
    // The re-measure is kept in `resyncing`, which stop() awaits.
    this.timer = setInterval(() => {
      void this.resync();
    }, CLOCK_RESYNC_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops re-measuring (at once, before its first await); resolves once a re-measure in flight has settled. */
  async stop(): Promise<void> {
    this.isStopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.resyncing;
  }

  /** One re-measure, unless the last is still running (a slow store); never rejects. */
  resync(): Promise<void> {
    this.resyncing ??= this.clock
      .sync()
      .then(
        () => undefined,
        (error: unknown) => this.report(error),
      )
      .finally(() => {
        this.resyncing = null;
      });
    return this.resyncing;
  }

  private report(error: unknown): void {
    // A re-measure cut short by close() is no news.
    if (this.isStopped) return;
    try {
      this.onError(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // An onError that throws must not leave a rejection behind on the timer.
    }
  }
}
