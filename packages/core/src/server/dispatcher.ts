// server/dispatcher.ts: keeps `workerCount` jobs running. Each pass claims min(fetchBatchSize, free slots) jobs in one
// `fetchAndLock` and hands them to the executor; it drains a backlog without sleeping, and when the queue is empty it
// sleeps until a push, a poll, or (when every slot was busy) a freed slot. It never touches a job after the hand-off.
import type { ErrorSource } from '../events.js';
import type { Storage } from '../storage.js';
import type { Executor } from './executor.js';
import { Loop, type LoopContext } from './loop.js';

/** The dispatcher's slice of the server config. */
export interface DispatcherConfig {
  serverId: string;
  queues: readonly string[];
  workerCount: number;
  fetchBatchSize: number;
  pollingIntervalMs: number;
  leaseMs: number;
}

/** The claim loop: `runOnce()` claims one batch for the free slots and returns how many jobs it started. */
export class Dispatcher extends Loop<number> {
  protected readonly source: ErrorSource = 'dispatcher';
  private readonly storage: Storage;
  private readonly executor: Executor;
  private readonly config: DispatcherConfig;
  /** The last pass filled every slot it asked for: more work is likely waiting. */
  private lastPassFull = false;

  constructor(context: LoopContext, storage: Storage, executor: Executor, config: DispatcherConfig) {
    super(context);
    this.storage = storage;
    this.executor = executor;
    this.config = config;
  }

  /** Claims one batch for the free slots and starts it; returns how many jobs were claimed. */
  async runOnce(): Promise<number> {
    const free = this.config.workerCount - this.executor.runningCount;
    if (free <= 0) {
      this.lastPassFull = true;
      return 0;
    }
    const limit = Math.min(this.config.fetchBatchSize, free);
    const { serverId, queues, leaseMs } = this.config;
    const jobs = await this.storage.fetchAndLock({ serverId, queues, limit, leaseMs });
    // Claimed while stop() began: hand them straight back rather than start work that would be aborted.
    if (this.isStopping) this.executor.release(jobs);
    else for (const job of jobs) this.executor.run(job);
    this.lastPassFull = jobs.length === limit;
    return jobs.length;
  }

  /** A slot came free: worth a claim only if the queue looked busy. */
  slotFreed(): void {
    if (this.lastPassFull) this.wake();
  }

  /** Jobs may be waiting (push wake-up, promotion, a recurring firing, a requeue). */
  jobsAvailable(): void {
    this.wake();
  }

  protected delayAfter(): number {
    const hasFreeSlot = this.executor.runningCount < this.config.workerCount;
    return this.lastPassFull && hasFreeSlot ? 0 : this.config.pollingIntervalMs;
  }
}
