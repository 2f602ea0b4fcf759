// server/dispatcher.ts: keeps `workerCount` jobs running. Each pass claims min(fetchBatchSize, free slots) jobs in one
// `fetchAndLock` (plus room in the opt-in local queue, refilled in full batches, two side by side when two fit and the
// last claim came back full) and hands them to the executor; it drains a backlog without sleeping, and when idle
// sleeps until a push, a poll, or (every slot busy) a freed slot.
// It never touches a job after the hand-off; buffered jobs are handed off in claim order as slots free up. After a
// failed claim it first hands back whatever that claim may have leased unseen (releaseLostClaims).
import type { ErrorSource } from '../events.js';
import type { Job } from '../job.js';
import type { Storage } from '../storage.js';
import { leaseRetryCapMs } from './backoff.js';
import { DEFAULT_TUNING } from './config.js';
import type { Executor } from './executor.js';
import type { LocalQueue } from './local-queue.js';
import { Loop, type LoopContext } from './loop.js';

/** The dispatcher's slice of the server config. */
export interface DispatcherConfig {
  serverId: string;
  queues: readonly string[];
  workerCount: number;
  fetchBatchSize: number;
  pollingIntervalMs: number;
  leaseMs: number;
  /** Claimed-but-not-started jobs kept on hand; 0 claims only for free slots. */
  localQueueSize?: number;
  /** Claims a pass may send at once (ServerTuning.maxClaimsPerPass). @defaultValue DEFAULT_TUNING.maxClaimsPerPass */
  maxClaimsPerPass?: number;
}

/** The claim loop: `runOnce()` claims one batch for the free slots and returns how many jobs it claimed. */
export class Dispatcher extends Loop<number> {
  protected readonly source: ErrorSource = 'dispatcher';
  private readonly storage: Storage;
  private readonly executor: Executor;
  private readonly config: DispatcherConfig;
  private readonly localQueue: LocalQueue | null;
  private readonly localQueueSize: number;
  private readonly maxClaimsPerPass: number;
  /**
   * The last pass filled every slot it asked for: more work is likely waiting. True before the first pass, whose
   * claims then go out side by side: a server often starts in front of a backlog.
   */
  private lastPassFull = true;
  /**
   * A claim failed: storage may have committed it and lost the reply, leaving jobs leased to this server that it
   * never heard of. The next pass hands those back (attempt refunded) before it claims anything.
   */
  private claimsInDoubt = false;
  /**
   * Until then (one lease after a failed claim) passes check again every leaseMs/6: a request held up in the network
   * may still reach the store after the first check, and its jobs would otherwise wait for their lease to lapse.
   */
  private doubtUntilMs = Number.NEGATIVE_INFINITY;
  private nextDoubtCheckAtMs = 0;

  constructor(
    context: LoopContext,
    storage: Storage,
    executor: Executor,
    config: DispatcherConfig,
    localQueue: LocalQueue | null = null,
  ) {
    super(context);
    this.storage = storage;
    this.executor = executor;
    this.config = config;
    this.localQueueSize = localQueue === null ? 0 : (config.localQueueSize ?? 0);
    this.localQueue = this.localQueueSize > 0 ? localQueue : null;
    this.maxClaimsPerPass = config.maxClaimsPerPass ?? DEFAULT_TUNING.maxClaimsPerPass;
    executor.onSlotFreed(() => this.slotFreed());
  }

  /** Jobs claimed and waiting in the local queue. */
  get bufferedCount(): number {
    return this.localQueue?.size ?? 0;
  }

  /** Claims one batch for the free slots (and the local queue's room) and starts it; returns how many were claimed. */
  async runOnce(): Promise<number> {
    if (this.isDoubtCheckDue()) await this.releaseLostClaims();
    this.startBuffered();
    const room = this.room();
    // Not worth a round trip yet (wake-ups arrive while a claim is in flight): a freed slot wakes the next pass.
    if (room < this.refillRoom()) {
      this.lastPassFull = true;
      return 0;
    }
    const limits = this.claimLimits(room);
    const { serverId, queues, leaseMs } = this.config;
    const settled = await Promise.allSettled(
      limits.map((limit) => this.storage.fetchAndLock({ serverId, queues, limit, leaseMs })),
    );
    // Every claim that succeeded is handed on, even when another failed: its jobs are leased to this server now.
    const batches: Job[][] = [];
    let failure: { reason: unknown } | null = null;
    for (const result of settled) {
      if (result.status === 'fulfilled') batches.push(result.value);
      else failure ??= { reason: result.reason };
    }
    const [first = [], second] = batches;
    const jobs = second === undefined ? first : mergeClaims(first, second);
    // Claimed while stop() began: hand them straight back rather than start work that would be aborted.
    if (this.isStopping) this.executor.release(jobs);
    else this.hand(jobs);
    if (failure !== null) {
      this.claimsInDoubt = true;
      this.doubtUntilMs = this.clock.now().getTime() + this.config.leaseMs;
      throw failure.reason;
    }
    this.lastPassFull = batches.every((batch, i) => batch.length === limits[i]);
    return jobs.length;
  }

  /** The executor freed a slot: start the next buffered job, and claim again if the queue looked busy. */
  private slotFreed(): void {
    if (this.localQueue === null) {
      if (this.lastPassFull) this.wake();
      return;
    }
    if (!this.isRunning) return;
    this.startBuffered();
    // Refill once a full batch fits, so claims stay batched rather than one per finished job.
    if (this.lastPassFull && this.room() >= this.refillRoom()) this.wake();
  }

  /** Jobs may be waiting (push wake-up, promotion, a recurring firing, a requeue). */
  jobsAvailable(): void {
    this.wake();
  }

  /** Drops a buffered job that was cancelled; false when it is not buffered here. */
  dropBuffered(jobId: string): Job | undefined {
    return this.localQueue?.remove(jobId);
  }

  /** Hands every buffered job back to `enqueued` (attempt refunded) without running it: for `stop()`. */
  releaseBuffered(): void {
    if (this.localQueue === null || this.localQueue.size === 0) return;
    this.executor.release(this.localQueue.drain());
  }

  /** A first check after a failed claim, or the next one of its lease-long window, is due. */
  private isDoubtCheckDue(): boolean {
    if (this.claimsInDoubt) return true;
    const now = this.clock.now().getTime();
    return now < this.doubtUntilMs && now >= this.nextDoubtCheckAtMs;
  }

  /**
   * Hands back the jobs of claims whose reply was lost: leased to this server, held by no run or buffer here. They
   * provably never started, so their attempt is refunded (a job with maxAttempts 1 is not failed unrun). No claim is
   * in flight meanwhile (passes are sequential), so every job a claim of this server returned is in `held`.
   */
  private async releaseLostClaims(): Promise<void> {
    const held = this.executor.activeLeases().map((run) => run.lease.leaseId);
    for (const lease of this.localQueue?.leases() ?? []) held.push(lease.leaseId);
    const moved = await this.storage.releaseLostClaims({ serverId: this.config.serverId, heldLeaseIds: held });
    this.claimsInDoubt = false;
    this.nextDoubtCheckAtMs = this.clock.now().getTime() + this.config.leaseMs / 6;
    if (moved.length === 0) return;
    const now = this.clock.now();
    this.logger.warn(
      { serverId: this.config.serverId, jobIds: moved.map((m) => m.job.id) },
      'a claim lost its reply; its jobs went back to the queue with their attempt refunded',
    );
    for (const { job, from } of moved) this.events.emitMove(job, from, now);
  }

  /**
   * While a failed claim's jobs may sit leased here unseen, retry at the lease renewer's pace rather than backing off
   * to 30 s: they must be handed back before their lease lapses, or a peer requeues them with the attempt spent.
   */
  protected override delayAfterFailure(failures: number): number {
    if (!this.claimsInDoubt) return super.delayAfterFailure(failures);
    return this.cappedBackoffMs(failures, leaseRetryCapMs(this.config.leaseMs));
  }

  protected delayAfter(): number | null {
    if (this.lastPassFull && this.room() >= this.refillRoom()) return 0;
    // Too little room after a full claim (every slot busy, the local queue full or nearly so): a freed slot wakes the
    // next pass once a full batch fits.
    if (this.lastPassFull) return null;
    return this.config.pollingIntervalMs;
  }

  /**
   * Room worth a claim. With a local queue, a round trip for a handful of jobs would hold the next full batch behind
   * it (claims are one at a time), so the dispatcher waits for room for min(fetchBatchSize, localQueueSize) jobs, as
   * graphile-worker refetches only once its local queue is empty.
   */
  private refillRoom(): number {
    if (this.localQueue === null) return 1;
    return Math.max(1, Math.min(this.config.fetchBatchSize, this.localQueueSize));
  }

  /**
   * The limit of each claim this pass sends: one, or (up to maxClaimsPerPass) one per full batch that fits once the
   * last claim came back full. After a short one (a trickle of jobs, each waking a pass) a second claim would find
   * nothing: a round trip spent for no job.
   */
  private claimLimits(room: number): number[] {
    const limit = Math.min(this.config.fetchBatchSize, room);
    const refill = this.refillRoom();
    const limits = [limit];
    if (this.localQueue === null || !this.lastPassFull) return limits;
    for (let left = room - limit; limits.length < this.maxClaimsPerPass && left >= refill; left -= refill) {
      limits.push(refill);
    }
    return limits;
  }

  /** Jobs a claim may take now: free slots, plus the local queue's unused room. */
  private room(): number {
    const free = this.config.workerCount - this.executor.runningCount;
    return free + this.localQueueSize - this.bufferedCount;
  }

  /** Runs claimed jobs in the free slots; the rest wait in the local queue, in claim order. */
  private hand(jobs: readonly Job[]): void {
    const free = this.config.workerCount - this.executor.runningCount;
    if (this.localQueue === null || (this.localQueue.size === 0 && jobs.length <= free)) {
      for (const job of jobs) this.executor.run(job);
      return;
    }
    this.localQueue.push(jobs);
    this.startBuffered();
  }

  /** Moves buffered jobs into free slots, oldest first. */
  private startBuffered(): void {
    const queue = this.localQueue;
    if (queue === null) return;
    while (queue.size > 0 && this.executor.runningCount < this.config.workerCount) {
      const job = queue.shift();
      if (job !== undefined) this.executor.run(job);
    }
  }
}

/** Two claims sent side by side, merged into one claim order (priority desc, runAt asc, id asc); each is in it. */
export function mergeClaims(first: readonly Job[], second: readonly Job[]): Job[] {
  // The usual case: the two took consecutive stretches of one queue, so one comes wholly before the other.
  const firstLast = first[first.length - 1];
  const secondLast = second[second.length - 1];
  if (firstLast === undefined || secondLast === undefined) return first.concat(second);
  if (!claimsBefore(second[0] as Job, firstLast)) return first.concat(second);
  if (!claimsBefore(first[0] as Job, secondLast)) return second.concat(first);
  const merged: Job[] = [];
  let i = 0;
  let j = 0;
  while (i < first.length && j < second.length) {
    const a = first[i] as Job;
    const b = second[j] as Job;
    if (claimsBefore(b, a)) {
      merged.push(b);
      j++;
    } else {
      merged.push(a);
      i++;
    }
  }
  return merged.concat(first.slice(i), second.slice(j));
}

function claimsBefore(a: Job, b: Job): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  const runA = a.runAt.getTime();
  const runB = b.runAt.getTime();
  if (runA !== runB) return runA < runB;
  return a.id < b.id;
}
