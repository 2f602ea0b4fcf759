// server/lease-renewer.ts: one timer renews the leases of every job running on this server, in one `renewLeases`
// call every leaseMs/3. A lease found gone (cancelled or reclaimed elsewhere) aborts that job's signal.
import type { ErrorSource } from '../events.js';
import type { Storage } from '../storage.js';
import type { Executor } from './executor.js';
import { Loop, type LoopContext } from './loop.js';

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

  constructor(context: LoopContext, storage: Storage, executor: Executor, config: LeaseRenewerConfig) {
    super(context);
    this.storage = storage;
    this.executor = executor;
    this.config = config;
  }

  async runOnce(): Promise<LeaseRenewalPass> {
    const entries = this.executor.activeLeases();
    if (entries.length === 0) return { renewed: 0, lost: 0 };
    const lockedUntil = new Date(this.clock.now().getTime() + this.config.leaseMs);
    const results = await this.storage.renewLeases({ leases: entries.map((entry) => entry.lease), lockedUntil });
    let lost = 0;
    entries.forEach((entry, i) => {
      if (results[i] === true) return;
      lost++;
      this.executor.leaseLost(entry);
    });
    return { renewed: entries.length - lost, lost };
  }

  protected delayAfter(): number {
    return Math.max(1, Math.floor(this.config.leaseMs / 3));
  }
}
