// server/executor.ts: runs claimed jobs, one run per job: gives it a ctx and a signal (stop, timeout, cancel, lease
// lost), runs the middleware chain around its handler, turns what happened into an outcome (outcome.ts) and hands it
// to the completer. The worker slot frees as soon as the outcome is queued (write-behind, bounded by
// pending-outcomes.ts); events go out only once the write is persisted. It never claims: the dispatcher does.
import type { Clock } from '../clock.js';
import { type AbortReason, JobAbortedError, JobsmithError, LeaseLostError, ValidationError } from '../errors.js';
import type { EventHub } from '../events.js';
import type { Job } from '../job.js';
import type { Logger } from '../logger.js';
import type { MiddlewareChain } from '../middleware.js';
import type { WorkerRegistry } from '../registry.js';
import type { FinishOutcome, Lease, Storage } from '../storage.js';
import type { Completer } from './completer.js';
import { type Deadline, DeadlineQueue } from './deadlines.js';
import { logFailedAttempt } from './failure-log.js';
import type { LoopContext } from './loop.js';
import {
  cancelledJob,
  failureOutcome,
  finishedJob,
  type OutcomeConfig,
  releasedJob,
  returnOutcome,
} from './outcome.js';
import { PendingOutcomes } from './pending-outcomes.js';
import { RunContext } from './run-context.js';

/** The executor's slice of the server config. */
export interface ExecutorConfig extends OutcomeConfig {
  /** Timeout of jobs without their own `timeoutMs`. */
  jobTimeoutMs: number;
  /**
   * Most outcomes written behind at once (slot freed, write pending); past it a settled run keeps its slot until a
   * pending write ends. The server uses pendingOutcomesBound (pending-outcomes.ts); beyond it the workers wait for
   * storage.
   */
  maxPendingOutcomes: number;
  /** This server's id, named in failure logs and in the error of a job whose method has no handler here. */
  serverId: string;
}

/** What the executor works with besides its config. */
export interface ExecutorDeps {
  storage: Storage;
  registry: WorkerRegistry;
  completer: Completer;
  /** The current middleware chain (it may change between runs). */
  chain: () => MiddlewareChain;
  /** A worker slot came free. */
  onSlotFreed: () => void;
  /** This server wrote a retry due at `runAt`. */
  onRetryScheduled: (runAt: Date) => void;
}

/** One job between its claim and the end of its run. */
export interface RunningJob extends Deadline {
  readonly job: Job;
  readonly lease: Lease;
  /** Made on the first read of `ctx.signal`: most handlers never look, and a controller per job costs. */
  controller: AbortController | null;
  /** Why the signal fired, if it did. */
  abortedBy: AbortReason | null;
  abortError: JobAbortedError | null;
  /** The run's end is decided; whatever the handler does later is discarded. */
  settled: boolean;
  /** The run counts against `workerCount`: until its outcome is queued under the bound, or its write ends. */
  holdsSlot: boolean;
  /** Cancelled (storage moved it to `deleted`) and `jobCancelled` emitted: its finish is expected to be refused. */
  cancelled: boolean;
}

type Settlement = { kind: 'finish'; outcome: FinishOutcome } | { kind: 'release' } | { kind: 'discard' };
const RELEASE: Settlement = { kind: 'release' };
const DISCARD: Settlement = { kind: 'discard' };

interface Waiter {
  isDone: () => boolean;
  resolve: () => void;
}

/**
 * Runs every claimed job to the end of its run. A run holds one worker slot while its handler runs; once it settles
 * its outcome is written behind (the slot frees at once) while fewer than `maxPendingOutcomes` wait, else it keeps
 * the slot until there is room or its own write ends.
 */
export class Executor {
  private readonly clock: Clock;
  private readonly events: EventHub;
  private readonly logger: Logger;
  private readonly config: ExecutorConfig;
  private readonly deps: ExecutorDeps;
  /** Every run from its claim until its write ends (or it is discarded): running, held, or written behind. */
  private readonly runs = new Map<string, RunningJob>();
  private readonly pending: PendingOutcomes<RunningJob>;
  private readonly deadlines: DeadlineQueue<RunningJob>;
  private slotsHeld = 0;
  private unsettled = 0;
  private waiters: Waiter[] = [];

  constructor(context: LoopContext, config: ExecutorConfig, deps: ExecutorDeps) {
    this.clock = context.clock;
    this.events = context.events;
    this.logger = context.logger;
    this.config = config;
    this.deps = deps;
    this.deadlines = new DeadlineQueue(context, (entry) => this.expire(entry));
    this.pending = new PendingOutcomes(config.maxPendingOutcomes);
  }

  /** Jobs holding a worker slot: running, or settled and held until their outcome is written (backpressure). */
  get runningCount(): number {
    return this.slotsHeld;
  }

  /** Starts the timeout timer. */
  start(): void {
    this.deadlines.start();
  }

  async stop(): Promise<void> {
    await this.deadlines.stop();
  }

  /** Runs a claimed job; returns at once, the run goes on until its outcome is written. */
  run(job: Job): void {
    const entry = this.adopt(job);
    this.execute(entry).catch((error: unknown) => this.events.reportError(error, 'executor'));
  }

  /** Hands claimed jobs straight back (claimed while stopping): they never start. */
  release(jobs: readonly Job[]): void {
    for (const job of jobs) this.settleReported(this.adopt(job), RELEASE);
  }

  /** Fires every running job's signal with `reason`; their handlers may still return (and be persisted). */
  abortAll(reason: AbortReason): void {
    for (const entry of this.runs.values()) if (!entry.settled) this.abort(entry, reason);
  }

  /** Hands back every job still running (stop deadline): attempts refunded, late results discarded. */
  async releaseAll(): Promise<void> {
    const unsettled = [...this.runs.values()].filter((entry) => !entry.settled);
    await Promise.all(unsettled.map((entry) => this.settle(entry, RELEASE)));
  }

  /**
   * A job storage already moved to `deleted` (cancelled through this server's client, announced by push, or found by
   * a lost renewal): fires its signal now; if its outcome is already waiting, drops it, or (already sent) lets the
   * refused write pass quietly. Emits `jobCancelled` once, with `stored` (the job as storage returned it) if known.
   */
  cancel(jobId: string, stored?: Job): void {
    const entry = this.runs.get(jobId);
    if (entry === undefined || !this.markCancelled(entry, stored)) return;
    if (entry.settled) {
      this.deps.completer.dropQueued(entry.lease);
      return;
    }
    this.abort(entry, 'cancel');
    this.settleReported(entry, DISCARD);
  }

  /**
   * Every held lease, for the shared renewal: runs in progress and runs whose outcome is still to be written (held or
   * written behind), so a slow or failing write never lets the lease lapse (only a completer that gives up does).
   */
  activeLeases(): RunningJob[] {
    return [...this.runs.values()];
  }

  /**
   * A renewal found `entry`'s lease gone (cancelled or reclaimed): stop the handler and discard its result, or drop
   * its outcome if it still waits to be sent (one already sent gets its answer from `finish` itself).
   */
  leaseLost(entry: RunningJob): void {
    if (entry.settled) {
      // persistFinish reports the outcome's fate once the completer answers.
      if (this.runs.get(entry.job.id) === entry) this.deps.completer.dropQueued(entry.lease);
      return;
    }
    this.abort(entry, 'leaseLost');
    const error = new LeaseLostError('renewLeases', entry.job.id);
    this.events.reportError(error, 'leaseRenewal', 'job lost its lease while running; its result is discarded', 'warn');
    this.settleReported(entry, DISCARD);
  }

  /** As `leaseLost`, for a job found by id: a renewal that began while the job still waited in the local queue. */
  leaseLostById(lease: Lease): void {
    const entry = this.runs.get(lease.id);
    if (entry !== undefined && entry.lease.leaseId === lease.leaseId) this.leaseLost(entry);
  }

  /** Resolves once every run is over: handlers settled and every outcome (or hand-back) written. */
  whenIdle(): Promise<void> {
    return this.when(() => this.runs.size === 0);
  }

  /** Resolves once no handler counts any more (each returned, timed out, or was handed back); writes may remain. */
  whenSettled(): Promise<void> {
    return this.when(() => this.unsettled === 0);
  }

  private adopt(job: Job): RunningJob {
    const now = this.clock.now();
    const timeoutMs = job.timeoutMs ?? this.config.jobTimeoutMs;
    const entry: RunningJob = {
      job,
      lease: { id: job.id, leaseId: job.leaseId ?? '' },
      controller: null,
      timeoutMs,
      deadlineAt: now.getTime() + timeoutMs,
      abortedBy: null,
      abortError: null,
      settled: false,
      holdsSlot: true,
      cancelled: false,
    };
    this.runs.set(job.id, entry);
    this.slotsHeld++;
    this.unsettled++;
    this.deadlines.add(entry);
    this.events.emitMove(job, 'enqueued', now);
    return entry;
  }

  private async execute(entry: RunningJob): Promise<void> {
    let value: unknown;
    let thrown: { error: unknown } | null = null;
    try {
      value = await this.invoke(entry);
    } catch (error) {
      thrown = { error };
    }
    if (entry.settled) return this.discardLate(entry, thrown !== null);
    let settlement: Settlement;
    if (thrown === null) settlement = this.finishing(returnOutcome(entry.job, value, this.clock.now(), this.config));
    else settlement = entry.abortedBy === 'stop' ? RELEASE : this.failing(entry, thrown.error);
    await this.settle(entry, settlement);
  }

  private invoke(entry: RunningJob): Promise<unknown> {
    const { job } = entry;
    const handler = this.deps.registry.get(job.method);
    const ctx = new RunContext(entry, this.logger, (value) => this.progress(entry, value));
    const run =
      handler === undefined ? () => Promise.reject(this.noHandler(job)) : async () => handler(job.payload, ctx);
    return this.deps.chain()(ctx, run);
  }

  /** The failure of a job whose method this server has no handler for: names the method, the server and its methods. */
  private noHandler(job: Job): JobsmithError {
    const methods = this.deps.registry.methods();
    const known = methods.length === 0 ? 'none' : methods.join(', ');
    return new JobsmithError(
      `no handler registered for method ${job.method} on server ${this.config.serverId} (its methods: ${known})`,
    );
  }

  private failing(entry: RunningJob, error: unknown): Settlement {
    return this.finishing(failureOutcome(entry.job, error, this.clock.now(), this.config));
  }

  private finishing(outcome: FinishOutcome): Settlement {
    return { kind: 'finish', outcome };
  }

  /** The deadline passed: the signal fires and the attempt fails now, without waiting for the handler. */
  private expire(entry: RunningJob): void {
    if (entry.settled) return;
    if (entry.abortedBy === 'stop') {
      this.settleReported(entry, RELEASE);
      return;
    }
    const error = new JobAbortedError(entry.job.id, 'timeout', `after ${entry.timeoutMs} ms`);
    this.abort(entry, 'timeout', error);
    this.settleReported(entry, this.failing(entry, error));
  }

  private abort(entry: RunningJob, reason: AbortReason, error?: JobAbortedError): void {
    if (entry.abortedBy !== null) return;
    entry.abortedBy = reason;
    entry.abortError = error ?? new JobAbortedError(entry.job.id, reason);
    entry.controller?.abort(entry.abortError);
  }

  private settleReported(entry: RunningJob, settlement: Settlement): void {
    this.settle(entry, settlement).catch((error: unknown) => this.events.reportError(error, 'executor'));
  }

  /** Ends the run once: writes its outcome (or hand-back), emits, and frees the slot whatever happens. */
  private async settle(entry: RunningJob, settlement: Settlement): Promise<void> {
    if (entry.settled) return;
    entry.settled = true;
    this.unsettled--;
    this.deadlines.remove(entry);
    this.checkWaiters();
    try {
      if (settlement.kind === 'finish') await this.persistFinish(entry, settlement.outcome);
      else if (settlement.kind === 'release') await this.persistRelease(entry);
    } finally {
      this.end(entry);
    }
  }

  /** Queues the outcome, frees the slot at once when the bound allows, and emits once the write is persisted. */
  private async persistFinish(entry: RunningJob, outcome: FinishOutcome): Promise<void> {
    const written = this.deps.completer.finish(outcome, entry.job.attempt);
    if (this.pending.admit(entry)) this.freeSlot(entry);
    const result = await written;
    if (result === 'leaseLost') await this.reportRefusedFinish(entry);
    if (result === 'dropped' && !entry.cancelled) {
      const error = new LeaseLostError('renewLeases', entry.job.id);
      this.events.reportError(error, 'leaseRenewal', 'job lost its lease before its outcome was written', 'warn');
    }
    if (result !== 'persisted') return;
    logFailedAttempt(this.logger, entry.job, outcome, this.config.serverId);
    if (outcome.to === 'awaiting_retry' && outcome.runAt !== undefined) this.deps.onRetryScheduled(outcome.runAt);
    const now = this.clock.now();
    if (!this.events.wantsMove(outcome.to)) return;
    const finished = finishedJob(entry.job, outcome, now);
    this.events.emitMove(outcome.purge ? finished : await this.storedAfter(finished), 'processing', now);
  }

  private async persistRelease(entry: RunningJob): Promise<void> {
    const result = await this.deps.completer.release(entry.lease);
    if (result !== 'persisted') return;
    const now = this.clock.now();
    if (this.events.wantsMove('enqueued'))
      this.events.emitMove(await this.storedAfter(releasedJob(entry.job, now)), 'processing', now);
  }

  /**
   * The job as storage wrote it (its time, its last progress), read back for an event: only storage knows its write's
   * `updatedAt`. `expected` (the server's own view) stands in when the read fails or the job has moved on since.
   */
  private async storedAfter(expected: Job): Promise<Job> {
    const stored = await this.deps.storage.get(expected.id).catch(() => null);
    return stored?.state === expected.state ? stored : expected;
  }

  /** The run is over (its write ended, or it was discarded): runs held past the bound may now free their slots. */
  private end(entry: RunningJob): void {
    // The same job may have been claimed again meanwhile (reclaimed elsewhere, then by this server): keep that run.
    if (this.runs.get(entry.job.id) === entry) this.runs.delete(entry.job.id);
    for (const admitted of this.pending.ended(entry)) this.freeSlot(admitted);
    this.freeSlot(entry);
    this.checkWaiters();
  }

  private freeSlot(entry: RunningJob): void {
    if (!entry.holdsSlot) return;
    entry.holdsSlot = false;
    this.slotsHeld--;
    this.deps.onSlotFreed();
  }

  /**
   * A cancel explains a refused finish (expected, so only logged): one already heard of, or one storage shows now
   * (the handler returned before a push or renewal told of it). Anything else is reported.
   */
  private async reportRefusedFinish(entry: RunningJob): Promise<void> {
    if (!entry.cancelled) {
      const stored = await this.storedIfCancelled(entry.job.id);
      if (stored !== null) this.markCancelled(entry, stored);
    }
    if (entry.cancelled) {
      this.logger.debug({ jobId: entry.job.id }, 'cancelled job: its outcome was refused, as expected');
      return;
    }
    const error = new LeaseLostError('finish', entry.job.id);
    this.events.reportError(error, 'finish', 'finish found the lease gone; the result was discarded', 'warn');
  }

  /**
   * The job as storage holds it when it was cancelled (`deleted`), else null: how a lost lease or a refused finish
   * tells a cancel no push announced from a lease lost otherwise. A failed read counts as "not cancelled".
   */
  async storedIfCancelled(jobId: string): Promise<Job | null> {
    const stored = await this.deps.storage.get(jobId).catch(() => null);
    return stored?.state === 'deleted' ? stored : null;
  }

  /** Notes the cancel and emits `jobCancelled`; false when it was already noted. */
  private markCancelled(entry: RunningJob, stored: Job | undefined): boolean {
    if (entry.cancelled) return false;
    entry.cancelled = true;
    const now = this.clock.now();
    if (!this.events.wantsMove('deleted')) return true;
    if (stored !== undefined) {
      this.events.emitMove(stored, 'processing', now);
      return true;
    }
    // Told only the id (a push): read back the cancel's expiresAt and time; the signal need not wait for it.
    const emit = (job: Job) => this.events.emitMove(job, 'processing', now);
    void this.storedAfter(cancelledJob(entry.job, now)).then(emit);
    return true;
  }

  /** The handler ended after its run did (timeout, hand-back, cancel, lost lease): nothing of it is written. */
  private discardLate(entry: RunningJob, threw: boolean): void {
    const fields = { jobId: entry.job.id, abortedBy: entry.abortedBy };
    // A handler that throws once its signal fired did what the signal asked; a late *result* is worth a warning.
    if (threw || entry.abortedBy === 'cancel')
      this.logger.debug(fields, 'aborted job ended; its outcome was discarded');
    else this.logger.warn(fields, 'job returned after its run had ended; its late result was discarded');
  }

  private async progress(entry: RunningJob, value: number): Promise<void> {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ValidationError('progress', 'value', 'must be a finite number', value);
    }
    if (entry.settled) return;
    try {
      await this.deps.storage.recordProgress({ reports: [{ ...entry.lease, progress: value }] });
    } catch (error) {
      this.events.reportError(error, 'executor', 'recording progress failed');
    }
  }

  private when(isDone: () => boolean): Promise<void> {
    if (isDone()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ isDone, resolve }));
  }

  private checkWaiters(): void {
    if (this.waiters.length === 0) return;
    const waiting: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.isDone()) waiter.resolve();
      else waiting.push(waiter);
    }
    this.waiters = waiting;
  }
}
