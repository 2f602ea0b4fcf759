// server/lease-renewer.ts: one timer renews the leases of every job this server holds, in one `renewLeases` call
// every leaseMs/3: running jobs, jobs whose outcome waits to be written, and jobs waiting in the local queue. A lease
// found gone (cancelled or reclaimed elsewhere) aborts that job's signal, drops its unsent outcome, or drops it from
// the local queue before it ever runs.

import { LeaseLostError } from '../errors.js';
import type { ErrorSource } from '../events.js';
import type { Lease, Storage } from '../storage.js';
import type { Executor } from './executor.js';
import type { LocalQueue } from './local-queue.js';
import { cappedBackoffMs, Loop, type LoopContext, leaseRetryCapMs } from './loop.js';

/** The renewer's slice of the server config. */
export interface LeaseRenewerConfig {
  leaseMs: number;
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
    const entries = this.executor.activeLeases();
    const buffered = this.localQueue?.leases() ?? [];
    if (entries.length === 0 && buffered.length === 0) return { renewed: 0, lost: 0 };
    const lockedUntil = new Date(this.clock.now().getTime() + this.config.leaseMs);
    const leases = entries.map((entry) => entry.lease);
    for (const lease of buffered) leases.push(lease);
    const results = await this.storage.renewLeases({ leases, lockedUntil });
    let lost = 0;
    entries.forEach((entry, i) => {
      if (results[i] === true) return;
      lost++;
      this.executor.leaseLost(entry);
    });
    buffered.forEach((lease, i) => {
      if (results[entries.length + i] === true) return;
      lost++;
      this.bufferedLeaseLost(lease);
    });
    return { renewed: leases.length - lost, lost };
  }

  protected delayAfter(): number {
    return Math.max(1, Math.floor(this.config.leaseMs / 3));
  }

  /**
   * A failed renewal is retried at a steady pace, never backed off past the lease: once storage answers again the
   * leases are renewed within about a second (or a tenth of the lease), before they lapse and peers re-run the jobs.
   */
  protected override delayAfterFailure(failures: number): number {
    return cappedBackoffMs(failures, leaseRetryCapMs(this.config.leaseMs));
  }

  /** A waiting job's lease is gone: drop it unrun, or (if it started meanwhile) stop it like any running job. */
  private bufferedLeaseLost(lease: Lease): void {
    if (this.localQueue?.remove(lease.id) !== true) {
      this.executor.leaseLostById(lease);
      return;
    }
    const error = new LeaseLostError('renewLeases', lease.id);
    this.events.reportError(error, 'leaseRenewal', 'a job lost its lease before it ran; it was dropped', 'warn');
  }
}
