// server/completer.ts: batches the writes that end a run. Outcomes reach storage in natural batches: at most one
// `finish` call is in flight (capped at maxWriteBatch outcomes), and whatever settles meanwhile goes in the next one;
// the first write after a quiet spell waits one turn of the event loop, never a timer. Hand-backs batch the same way
// in `release`. A call that fails goes back to the front of its queue and is retried, for as long as it takes: the
// lease renewer keeps those jobs' leases alive meanwhile, and drops an outcome whose lease is found gone. Only
// `abandon()` (a stop past its deadline) gives up. A finish whose reply was lost may have been written: when its retry
// is refused, the job is read back to tell our own write from a peer's.
import type { Clock } from '../clock.js';
import { ValidationError } from '../errors.js';
import type { EventHub } from '../events.js';
import type { Job } from '../job.js';
import type { FinishOutcome, Lease, Storage } from '../storage.js';
import { storageChecks } from '../storage-kit/input-checks.js';
import { type BackoffSchedule, backoffMs } from './backoff.js';
import { DEFAULT_TUNING } from './config.js';

/**
 * How a write ended: stored, refused (the lease was gone), not stored because the completer was abandoned while
 * storage kept failing, or dropped before it was sent (`dropQueued`: the job was cancelled or lost its lease while its
 * outcome waited).
 */
export type WriteResult = 'persisted' | 'leaseLost' | 'failed' | 'dropped';

/**
 * How a finish ended, and the time the call that stored it gave storage as its `now` (the job's `updatedAt`); null
 * when it was not stored, or when a call whose reply was lost stored it (its time is then unknown here).
 */
export interface FinishWrite {
  result: WriteResult;
  writtenAt: Date | null;
}

/** Pauses between tries of a failing call: 100 ms doubling per consecutive failure up to 5 s, ±25 %. */
export const WRITE_RETRY_BACKOFF: BackoffSchedule = Object.freeze({ initialMs: 100, maxMs: 5000, jitter: 0.25 });

interface Pending<T> {
  item: T;
  /** `writtenAt`: the `now` of the call that stored it, when known. */
  resolve: (result: WriteResult, writtenAt?: Date) => void;
  /** A call carrying it failed, so it may have been written even so (the reply was lost). */
  inDoubt: boolean;
  /** The attempt of the run (finish only): tells this run's write from a later run's when reconciling. */
  attempt: number;
}

/** One kind of write: its queue, the storage call that sends a batch, and the input check of one item. */
interface Lane<T extends Lease> {
  operation: 'finish' | 'release';
  queue: Pending<T>[];
  /** `now`: the write's time, which `finish` stores as `updatedAt`. */
  send(items: T[], now: Date): Promise<boolean[]>;
  check(item: T): void;
  /** Tells, after a lost reply and a refused retry, whether the lost call wrote it. */
  readBack?(pending: Pending<T>): Promise<WriteResult>;
}

/** Collects finish and release writes and sends each kind to storage one batch at a time. */
export class Completer {
  private readonly storage: Storage;
  private readonly clock: Clock;
  private readonly events: EventHub;
  private readonly maxWriteBatch: number;
  /** Outcomes not yet sent; a batch leaves its queue when its call starts, and comes back if the call fails. */
  private readonly finishes: Lane<FinishOutcome>;
  private readonly releases: Lane<Lease>;
  private flushing = false;
  private failures = 0;
  private abandoned = false;
  /** Cuts the pause between retries short (abandon). */
  private pause: AbortController | null = null;

  /** `maxWriteBatch`: most outcomes (or hand-backs) in one storage call (ServerTuning.maxWriteBatch). */
  constructor(storage: Storage, clock: Clock, events: EventHub, maxWriteBatch: number = DEFAULT_TUNING.maxWriteBatch) {
    this.storage = storage;
    this.clock = clock;
    this.events = events;
    this.maxWriteBatch = maxWriteBatch;
    this.finishes = {
      operation: 'finish',
      queue: [],
      send: (outcomes, now) => this.storage.finish({ outcomes, now }),
      check: (outcome) => storageChecks.finish({ outcomes: [outcome] }),
      readBack: (pending) => this.reconcile(pending),
    };
    this.releases = {
      operation: 'release',
      queue: [],
      send: (leases) => this.storage.release({ leases }),
      check: (lease) => storageChecks.release({ leases: [lease] }),
    };
  }

  /** Writes are accepted and retried again (a restarted server after an abandon). */
  start(): void {
    this.abandoned = false;
  }

  /** Queues `outcome` of a run at `attempt` for the next batched `finish`. */
  finish(outcome: FinishOutcome, attempt = 0): Promise<FinishWrite> {
    return new Promise((resolve) => {
      const written = (result: WriteResult, writtenAt?: Date) => resolve({ result, writtenAt: writtenAt ?? null });
      this.finishes.queue.push({ item: outcome, resolve: written, inDoubt: false, attempt });
      this.schedule();
    });
  }

  /** Queues `lease` for the next batched `release` (back to `enqueued`, attempt refunded). */
  release(lease: Lease): Promise<WriteResult> {
    return new Promise((resolve) => {
      this.releases.queue.push({ item: lease, resolve, inDoubt: false, attempt: 0 });
      this.schedule();
    });
  }

  /**
   * Takes back the queued outcome of `lease`'s run, which then resolves as `dropped` — or, if an earlier call that
   * carried it lost its reply, as whatever reading the job back shows (that call may have written it). False when it
   * is not queued: being sent now (its call reports what storage said) or already written.
   */
  dropQueued(lease: Lease): boolean {
    const queue = this.finishes.queue;
    const i = queue.findIndex((p) => p.item.id === lease.id && p.item.leaseId === lease.leaseId);
    if (i < 0) return false;
    const [pending] = queue.splice(i, 1);
    if (pending === undefined) return false;
    // reconcile never rejects: a failed read-back answers leaseLost.
    if (pending.inDoubt) void this.reconcile(pending).then((result) => pending.resolve(result));
    else pending.resolve('dropped');
    return true;
  }

  /**
   * Gives up on every write not yet stored (they resolve as `failed`; their leases will lapse and the jobs run
   * again): a stop whose deadline passed while storage is down. A call in flight resolves as `failed` if it fails.
   */
  abandon(): void {
    this.abandoned = true;
    this.pause?.abort();
    for (const pending of [...this.finishes.queue.splice(0), ...this.releases.queue.splice(0)])
      pending.resolve('failed');
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
      while (this.finishes.queue.length > 0 || this.releases.queue.length > 0) {
        const written = await Promise.all([this.writeBatch(this.finishes), this.writeBatch(this.releases)]);
        if (written.every(Boolean)) this.failures = 0;
        else await this.pauseAfterFailure();
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Sends the next batch of `lane`; false when the call failed and the batch went back to the front of its queue. */
  private async writeBatch<T extends Lease>(lane: Lane<T>): Promise<boolean> {
    const batch = lane.queue.splice(0, this.maxWriteBatch);
    if (batch.length === 0) return true;
    let results: boolean[];
    const now = this.clock.now();
    try {
      results = await lane.send(
        batch.map((p) => p.item),
        now,
      );
    } catch (error) {
      if (this.abandoned) {
        for (const pending of batch) pending.resolve('failed');
        return true;
      }
      if (error instanceof ValidationError) {
        // Not a passing fault: retrying would fail forever. Set aside what storage cannot take; send the rest again.
        lane.queue.unshift(...this.setAsideInvalid(lane, batch, error));
        return true;
      }
      const detail = `${lane.operation} of ${batch.length} job(s) failed; retrying while their leases hold`;
      this.events.reportError(error, 'finish', detail);
      for (const pending of batch) pending.inDoubt = true;
      lane.queue.unshift(...batch);
      return false;
    }
    // Resolved in place (no promise per outcome on the hot path); only a refused write that was in doubt is read back.
    const readBacks: Promise<void>[] = [];
    batch.forEach((pending, i) => {
      if (results[i] === true) pending.resolve('persisted', now);
      else if (pending.inDoubt && lane.readBack !== undefined)
        readBacks.push(lane.readBack(pending).then((result) => pending.resolve(result)));
      else pending.resolve('leaseLost');
    });
    if (readBacks.length > 0) await Promise.all(readBacks);
    return true;
  }

  /** Resolves as `failed` every write storage rejects as input (checked one by one); returns the others. */
  private setAsideInvalid<T extends Lease>(lane: Lane<T>, batch: Pending<T>[], error: ValidationError): Pending<T>[] {
    const valid: Pending<T>[] = [];
    for (const pending of batch) {
      try {
        lane.check(pending.item);
        valid.push(pending);
      } catch (invalid) {
        this.events.reportError(invalid, 'finish', `${lane.operation} of job ${pending.item.id} is not storable`);
        pending.resolve('failed');
      }
    }
    // Every item passes alone: the batch as a whole was refused, so sending it again cannot help.
    if (valid.length === batch.length) {
      this.events.reportError(error, 'finish', `${lane.operation} of ${batch.length} job(s) refused as input`);
      for (const pending of batch) pending.resolve('failed');
      return [];
    }
    return valid;
  }

  private async pauseAfterFailure(): Promise<void> {
    this.failures++;
    this.pause = new AbortController();
    await this.clock.sleep(backoffMs(this.failures, WRITE_RETRY_BACKOFF), this.pause.signal);
    this.pause = null;
  }

  /**
   * A finish refused on retry after a call whose reply was lost: if the job reads back as this very write left it
   * (same attempt, the outcome's state and details, or gone for a purge), the lost call wrote it.
   */
  private async reconcile(pending: Pending<FinishOutcome>): Promise<WriteResult> {
    try {
      const job = await this.storage.get(pending.item.id);
      return wasWrittenBy(pending.item, pending.attempt, job) ? 'persisted' : 'leaseLost';
    } catch (error) {
      this.events.reportError(error, 'finish', `could not read back job ${pending.item.id} after a lost reply`);
      return 'leaseLost';
    }
  }
}

/**
 * Whether `job`, read back after a lost reply, is what `outcome` of the run at `attempt` wrote. A snooze refunded the
 * attempt, so it left `attempt` - 1.
 */
export function wasWrittenBy(outcome: FinishOutcome, attempt: number, job: Job | null): boolean {
  if (job === null) return outcome.purge === true;
  const stored = outcome.to === 'scheduled' ? attempt - 1 : attempt;
  if (job.attempt !== stored || job.state !== outcome.to || job.leaseId !== null) return false;
  if (outcome.to === 'awaiting_retry' || outcome.to === 'scheduled')
    return job.runAt.getTime() === outcome.runAt?.getTime();
  if (outcome.to === 'failed') return job.lastError?.message === outcome.error?.message;
  return true;
}
