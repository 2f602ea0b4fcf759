// server/lease-sweep.ts: requeues jobs whose lease lapsed (their process died or stalled), in batches, every
// leaseSweepIntervalMs. A lease is each job's own clock, so this runs whether or not heartbeats are on; reclaiming
// the jobs of a server that went silent is the heartbeat's (heartbeat.ts).
import type { ErrorSource } from '../events.js';
import type { Storage } from '../storage.js';
import { logSweptFailures } from './failure-log.js';
import { Loop, type LoopContext } from './loop.js';

/** The sweep's slice of the server config. */
export interface LeaseSweepConfig {
  intervalMs: number;
  /** Most jobs per `requeueExpiredLeases` call; a full batch is followed by another at once. */
  batchSize: number;
  /** Purge delay for jobs the sweep fails (no attempt left). */
  failedTtlMs: number;
}

/** The expired-lease loop: `runOnce()` requeues (or fails) every job whose lease lapsed; returns how many moved. */
export class LeaseSweep extends Loop<number> {
  // Reported as the heartbeat, whose pass ran this sweep before it had its own loop (ErrorSource is public).
  protected readonly source: ErrorSource = 'leaseSweep';
  private readonly storage: Storage;
  private readonly config: LeaseSweepConfig;
  private readonly onJobsRequeued: () => void;

  constructor(context: LoopContext, storage: Storage, config: LeaseSweepConfig, onJobsRequeued: () => void) {
    super(context);
    this.storage = storage;
    this.config = config;
    this.onJobsRequeued = onJobsRequeued;
  }

  async runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      const moved = await this.storage.requeueExpiredLeases({
        now,
        limit: this.config.batchSize,
        failedExpiresAt: new Date(now.getTime() + this.config.failedTtlMs),
      });
      for (const { job, from } of moved) this.events.emitMove(job, from, now);
      logSweptFailures(
        this.logger,
        moved.map((move) => move.job),
        'its lease lapsed (its process died or stalled)',
      );
      total += moved.length;
      if (moved.length < this.config.batchSize) break;
    }
    if (total > 0) this.onJobsRequeued();
    return total;
  }

  protected delayAfter(): number {
    return this.config.intervalMs;
  }

  /** Backs off as every loop does, but never past one interval: the pace it kept while the heartbeat ran it. */
  protected override delayAfterFailure(failures: number): number {
    return this.cappedBackoffMs(failures, this.config.intervalMs);
  }
}
