// server/completer.ts: batches the writes that end a run. Outcomes reach storage in natural batches: at most one
// `finish` call is in flight (capped at MAX_WRITE_BATCH outcomes), and whatever settles meanwhile goes in the next one;
// the first write after a quiet spell waits one turn of the event loop, never a timer. Hand-backs batch the same way
// in `release`. A write that keeps failing is given up after a few retries: the job's lease then lapses and the lease
// sweep requeues it.
import type { Clock } from '../clock.js';
import type { EventHub } from '../events.js';
import type { FinishOutcome, Lease, Storage } from '../storage.js';
import { jittered } from './loop.js';

/**
 * How a write ended: stored, refused (the lease was gone), not stored because storage kept failing, or dropped
 * before it was sent (`dropQueued`: the job was cancelled or lost its lease while its outcome waited).
 */
export type WriteResult = 'persisted' | 'leaseLost' | 'failed' | 'dropped';

/** Pauses between attempts of a failing write; one attempt more than there are entries. */
export const WRITE_RETRY_DELAYS_MS: readonly number[] = Object.freeze([100, 1000, 5000]);

/** Most outcomes (or hand-backs) in one storage call; the rest wait for the next call. */
export const MAX_WRITE_BATCH = 1000;

interface Pending<T> {
  item: T;
  resolve: (result: WriteResult) => void;
}

/** Collects finish and release writes and sends each kind to storage one batch at a time. */
export class Completer {
  private readonly storage: Storage;
  private readonly clock: Clock;
  private readonly events: EventHub;
  /** Outcomes not yet sent; a batch leaves this list when its call starts. */
  private finishes: Pending<FinishOutcome>[] = [];
  private releases: Pending<Lease>[] = [];
  private flushing = false;

  constructor(storage: Storage, clock: Clock, events: EventHub) {
    this.storage = storage;
    this.clock = clock;
    this.events = events;
  }

  /** Queues `outcome` for the next batched `finish`. */
  finish(outcome: FinishOutcome): Promise<WriteResult> {
    return new Promise((resolve) => {
      this.finishes.push({ item: outcome, resolve });
      this.schedule();
    });
  }

  /** Queues `lease` for the next batched `release` (back to `enqueued`, attempt refunded). */
  release(lease: Lease): Promise<WriteResult> {
    return new Promise((resolve) => {
      this.releases.push({ item: lease, resolve });
      this.schedule();
    });
  }

  /**
   * Takes back the queued outcome of `lease`'s run, which then resolves as `dropped`. False when it is not queued:
   * already sent (its call reports what storage said) or already written.
   */
  dropQueued(lease: Lease): boolean {
    const i = this.finishes.findIndex((p) => p.item.id === lease.id && p.item.leaseId === lease.leaseId);
    if (i < 0) return false;
    const [pending] = this.finishes.splice(i, 1);
    pending?.resolve('dropped');
    return true;
  }

  private schedule(): void {
    if (this.flushing) return;
    this.flushing = true;
    // Not unref'd: an unref'd immediate lets the event loop block in poll until some timer fires.
    setImmediate(() => {
      this.flush().catch((error: unknown) => this.events.reportError(error, 'finish'));
    });
  }

  /** Writes one batch of each kind, then the next batch of whatever queued meanwhile, until nothing is left. */
  private async flush(): Promise<void> {
    try {
      while (this.finishes.length > 0 || this.releases.length > 0) {
        const finishes = this.finishes.splice(0, MAX_WRITE_BATCH);
        const releases = this.releases.splice(0, MAX_WRITE_BATCH);
        await Promise.all([
          this.write('finish', finishes, () => this.storage.finish(finishes.map((p) => p.item))),
          this.write('release', releases, () => this.storage.release({ leases: releases.map((p) => p.item) })),
        ]);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async write<T>(
    operation: 'finish' | 'release',
    batch: Pending<T>[],
    call: () => Promise<boolean[]>,
  ): Promise<void> {
    if (batch.length === 0) return;
    const results = await this.withRetries(operation, batch.length, call);
    batch.forEach((pending, i) => {
      if (results === null) pending.resolve('failed');
      else pending.resolve(results[i] === true ? 'persisted' : 'leaseLost');
    });
  }

  private async withRetries(
    operation: string,
    size: number,
    call: () => Promise<boolean[]>,
  ): Promise<boolean[] | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const delay = WRITE_RETRY_DELAYS_MS[attempt];
        if (delay === undefined) {
          this.events.reportError(error, 'finish', `${operation} of ${size} job(s) failed; their leases will lapse`);
          return null;
        }
        this.events.reportError(error, 'finish', `${operation} of ${size} job(s) failed; retrying`);
        await this.clock.sleep(jittered(delay));
      }
    }
  }
}
