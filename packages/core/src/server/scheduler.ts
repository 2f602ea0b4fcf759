// server/scheduler.ts: promotes due `scheduled` and `awaiting_retry` jobs to `enqueued`, in batches, every
// schedulerPollIntervalMs, and sooner when this server itself wrote a retry or a snooze due before the next pass.
import type { ErrorSource } from '../events.js';
import type { Storage } from '../storage.js';
import { DEFAULT_TUNING } from './config.js';
import { Loop, type LoopContext } from './loop.js';

/** The scheduler's slice of the server config. */
export interface SchedulerConfig {
  pollIntervalMs: number;
  /** Most jobs promoted per `promoteDue` call; a full batch is followed by another at once. */
  batchSize: number;
  /**
   * Known due times are grouped into buckets this wide, so a burst of retries costs a handful of entries
   * (ServerTuning.dueBucketMs). @defaultValue DEFAULT_TUNING.dueBucketMs
   */
  dueBucketMs?: number;
}

/** The promotion loop: `runOnce()` moves every due delayed or retrying job to `enqueued`. */
export class Scheduler extends Loop<number> {
  protected readonly source: ErrorSource = 'scheduler';
  private readonly storage: Storage;
  private readonly config: SchedulerConfig;
  private readonly onPromoted: () => void;
  private readonly dueBucketMs: number;
  /** Due times (clock ms, rounded up to dueBucketMs) of jobs this server wrote that no pass has reached yet. */
  private readonly knownDue = new Set<number>();

  constructor(context: LoopContext, storage: Storage, config: SchedulerConfig, onPromoted: () => void) {
    super(context);
    this.storage = storage;
    this.config = config;
    this.onPromoted = onPromoted;
    this.dueBucketMs = config.dueBucketMs ?? DEFAULT_TUNING.dueBucketMs;
  }

  /** Promotes everything due now; returns how many jobs moved. */
  async runOnce(): Promise<number> {
    let total = 0;
    let now = this.clock.now();
    for (;;) {
      const moved = await this.storage.promoteDue({ now, limit: this.config.batchSize });
      for (const { job, from } of moved) this.events.emitMove(job, from, now);
      total += moved.length;
      if (moved.length > 0) this.onPromoted();
      if (moved.length < this.config.batchSize) break;
      now = this.clock.now();
    }
    for (const at of this.knownDue) if (at <= now.getTime()) this.knownDue.delete(at);
    return total;
  }

  /** This server wrote a job due at `runAt`: make sure a pass runs by then. Ignored while the loop is not running. */
  dueAt(runAt: Date): void {
    if (!this.isRunning) return;
    const at = Math.ceil(runAt.getTime() / this.dueBucketMs) * this.dueBucketMs;
    this.knownDue.add(at);
    this.wakeBy(at);
  }

  protected delayAfter(): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const at of this.knownDue) if (at < earliest) earliest = at;
    const untilDue = earliest - this.clock.now().getTime();
    return Math.min(this.config.pollIntervalMs, Math.max(0, untilDue));
  }
}
