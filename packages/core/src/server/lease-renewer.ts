// server/lease-renewer.ts: one timer renews the leases of every job this server holds, in one `renewLeases` call
// every leaseMs/3: running jobs, jobs whose outcome waits to be written, and jobs waiting in the local queue. A lease
// found gone aborts that job's signal, drops its unsent outcome, or drops it from the local queue before it ever runs;
// storage then says why: a job now `deleted` was cancelled (a push that never came), anything else is a lost lease.

import { LeaseLostError } from '../errors.js';
import type { ErrorSource } from '../events.js';
import type { Job } from '../job.js';
import type { Lease, Storage } from '../storage.js';
import { leaseRetryCapMs } from './backoff.js';
import type { Executor } from './executor.js';
import type { LocalQueue } from './local-queue.js';
import { Loop, type LoopContext } from './loop.js';

/** The renewer's slice of the server config. */
export interface LeaseRenewerConfig {
  leaseMs: number;
  /**
   * Renew at least this often while jobs are held, or null for every leaseMs/3 only. A failed renewal is how a cancel
   * made in another process reaches a store without cross-process push, so the server sets its polling interval there.
   */
  cancelCheckMs: number | null;
}

/** What one pass did. */
export interface LeaseRenewalPass {
  renewed: number;
  lost: number;
}

/** The shared lease timer: `runOnce()` renews every lease this server holds in one call. */
export class LeaseRenewer extends Loop<LeaseRenewalPass> {
  protected readonly source: ErrorSource = 'leaseRenewal';
  private readonly storage: Storage;
  private readonly executor: Executor;
  private readonly config: LeaseRenewerConfig;
  private readonly localQueue: LocalQueue | null;

  constructor(
    context: LoopContext,
    storage: Storage,
    executor: Executor,
    config: LeaseRenewerConfig,
    localQueue: LocalQueue | null = null,
  ) {
    super(context);
    this.storage = storage;
    this.executor = executor;
    this.config = config;
    this.localQueue = localQueue;
  }

  async runOnce(): Promise<LeaseRenewalPass> {
    const runs = this.executor.activeLeases();
    const buffered = this.localQueue?.leases() ?? [];
    if (runs.length === 0 && buffered.length === 0) return { renewed: 0, lost: 0 };
    const lockedUntil = new Date(this.clock.now().getTime() + this.config.leaseMs);
    const leases = runs.map((run) => run.lease);
    for (const lease of buffered) leases.push(lease);
    const results = await this.storage.renewLeases({ leases, lockedUntil });
    const lost = leases.filter((_, i) => results[i] !== true);
    const cancelled = await this.cancelledAmong(lost);
    runs.forEach((run, i) => {
      if (results[i] === true) return;
      const job = cancelled.get(run.job.id);
      if (job !== undefined) this.executor.cancel(run.job.id, job);
      else this.executor.leaseLost(run);
    });
    buffered.forEach((lease, i) => {
      if (results[runs.length + i] !== true) this.bufferedLeaseLost(lease, cancelled.get(lease.id));
    });
    return { renewed: leases.length - lost.length, lost: lost.length };
  }

  protected delayAfter(): number {
    const renewEveryMs = Math.max(1, Math.floor(this.config.leaseMs / 3));
    return Math.min(renewEveryMs, this.config.cancelCheckMs ?? renewEveryMs);
  }

  /**
   * A failed renewal is retried at a steady pace, never backed off past the lease: once storage answers again the
   * leases are renewed within about a second (or a tenth of the lease), before they lapse and peers re-run the jobs.
   */
  protected override delayAfterFailure(failures: number): number {
    return this.cappedBackoffMs(failures, leaseRetryCapMs(this.config.leaseMs));
  }

  /**
   * The jobs of `lost` that storage shows `deleted` (cancelled), by id. One read each, only for leases found gone
   * (rare); a read that fails counts as "not cancelled", so the job is reported as a lost lease as before.
   */
  private async cancelledAmong(lost: readonly Lease[]): Promise<Map<string, Job>> {
    const jobs = await Promise.all(lost.map((lease) => this.executor.storedIfCancelled(lease.id)));
    const cancelled = new Map<string, Job>();
    for (const job of jobs) if (job !== null) cancelled.set(job.id, job);
    return cancelled;
  }

  /**
   * A waiting job's lease is gone: drop it unrun (quietly when it was cancelled), or (if it started meanwhile) stop
   * it like any running job.
   */
  private bufferedLeaseLost(lease: Lease, cancelled: Job | undefined): void {
    const waiting = this.localQueue?.remove(lease.id);
    if (waiting === undefined) {
      if (cancelled !== undefined) this.executor.cancel(lease.id, cancelled);
      else this.executor.leaseLostById(lease);
      return;
    }
    if (cancelled !== undefined) {
      this.executor.cancelledWhileWaiting(waiting, cancelled);
      return;
    }
    const error = new LeaseLostError('renewLeases', lease.id);
    this.events.reportError(error, 'leaseRenewal', 'a job lost its lease before it ran; it was dropped', 'warn');
  }
}
