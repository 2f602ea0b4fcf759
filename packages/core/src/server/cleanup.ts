// server/cleanup.ts: purges finished jobs (succeeded, failed, deleted) whose `expiresAt` has passed, in batches with a
// jittered pause between full ones. It never reads, and so never deletes, an unfinished job: storage filters by state.
import type { ErrorSource } from '../events.js';
import type { Storage } from '../storage.js';
import { jittered } from './backoff.js';
import { Loop, type LoopContext } from './loop.js';

/** The cleanup loop's slice of the server config. */
export interface CleanupConfig {
  intervalMs: number;
  /** Most jobs purged per `purgeExpired` call. */
  batchSize: number;
  /** Pause between full batches (jittered), so a large purge does not monopolize storage. */
  batchPauseMs: number;
}

/** The TTL sweep: `runOnce()` purges what has expired and returns how many jobs it deleted. */
export class Cleanup extends Loop<number> {
  protected readonly source: ErrorSource = 'cleanup';
  private readonly storage: Storage;
  private readonly config: CleanupConfig;

  constructor(context: LoopContext, storage: Storage, config: CleanupConfig) {
    super(context);
    this.storage = storage;
    this.config = config;
  }

  /** Purges everything expired; returns how many jobs were deleted. */
  async runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const purged = await this.storage.purgeExpired({ now: this.clock.now(), limit: this.config.batchSize });
      total += purged;
      if (purged < this.config.batchSize || this.isStopping) return total;
      await this.pause(jittered(this.config.batchPauseMs));
    }
  }

  protected delayAfter(): number {
    return this.config.intervalMs;
  }
}
