// server/executor.ts: runs claimed jobs, one Run (run.ts: its state machine) per job: gives it a ctx and a signal
// (stop, timeout, cancel, lease lost), runs the middleware chain around its handler, turns what happened into an
// outcome (outcome.ts) and hands it to the completer. The worker slot frees as soon as the outcome is queued
// (write-behind, bounded by pending-outcomes.ts); events go out only once the write is persisted. It never claims:
// the dispatcher does.
import type { Clock } from '../clock.js';
import { type AbortReason, JobAbortedError, JobsmithError, LeaseLostError, ValidationError } from '../errors.js';
import type { EventHub } from '../events.js';
import type { Job } from '../job.js';
import type { Logger } from '../logger.js';
import type { MiddlewareChain } from '../middleware.js';
import type { WorkerRegistry } from '../registry.js';
import type { FinishOutcome, Lease, Storage } from '../storage.js';
import type { Completer } from './completer.js';
import { DeadlineQueue } from './deadlines.js';
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
import { Run } from './run.js';
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
}

/** What the executor tells the parts built after it (dispatcher, scheduler); they listen through `on…`. */
interface ExecutorListeners {
  slotFreed: (() => void)[];
  retryScheduled: ((runAt: Date) => void)[];
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
  /** Every run from its claim until it ends: running, held, written behind or releasing (run.ts). */
  private readonly runs = new Map<string, Run>();
  private readonly pending: PendingOutcomes;
  private readonly deadlines: DeadlineQueue<Run>;
  private readonly listeners: ExecutorListeners = { slotFreed: [], retryScheduled: [] };
  /** Runs in a state that holds a worker slot (running, held, releasing). */
  private slotsHeld = 0;
  /** Runs still `running`. */
  private unsettled = 0;
  private waiters: Waiter[] = [];

  constructor(context: LoopContext, config: ExecutorConfig, deps: ExecutorDeps) {
    this.clock = context.clock;
    this.events = context.events;
    this.logger = context.logger;
    this.config = config;
    this.deps = deps;
    this.deadlines = new DeadlineQueue(context, (run) => this.expire(run));
    this.pending = new PendingOutcomes(config.maxPendingOutcomes);
  }

  /** Jobs holding a worker slot: running, or settled and held until their outcome is written (backpressure). */
  get runningCount(): number {
    return this.slotsHeld;
  }

  /** Calls `listener` each time a worker slot comes free. */
  onSlotFreed(listener: () => void): void {
    this.listeners.slotFreed.push(listener);
  }

  /** Calls `listener` with the due time of each retry (or snooze) this executor wrote. */
  onRetryScheduled(listener: (runAt: Date) => void): void {
    this.listeners.retryScheduled.push(listener);
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
    const run = this.adopt(job);
    this.execute(run).catch((error: unknown) => this.events.reportError(error, 'executor'));
  }

  /** Hands claimed jobs straight back (claimed while stopping): they never start. */
  release(jobs: readonly Job[]): void {
    for (const job of jobs) this.settleReported(this.adopt(job), RELEASE);
  }

  /** Fires every running job's signal with `reason`; their handlers may still return (and be persisted). */
  abortAll(reason: AbortReason): void {
    for (const run of this.runs.values()) if (run.isRunning) run.abort(reason);
  }

  /** Hands back every job still running (stop deadline): attempts refunded, late results discarded. */
  async releaseAll(): Promise<void> {
    const running = [...this.runs.values()].filter((run) => run.isRunning);
    await Promise.all(running.map((run) => this.settle(run, RELEASE)));
  }

  /**
   * A job storage already moved to `deleted` (cancelled through this server's client, announced by push, or found by
   * a lost renewal): fires its signal now; if its outcome is already waiting, drops it, or (already sent) lets the
   * refused write pass quietly. Emits `jobCancelled` once, with `stored` (the job as storage returned it) if known.
   */
  cancel(jobId: string, stored?: Job): void {
    const run = this.runs.get(jobId);
    if (run === undefined || !this.markCancelled(run, stored)) return;
    if (!run.isRunning) {
      this.deps.completer.dropQueued(run.lease);
      return;
    }
    run.abort('cancel');
    this.settleReported(run, DISCARD);
  }

  /**
   * Every held lease, for the shared renewal: runs in progress and runs whose outcome is still to be written (held or
   * written behind), so a slow or failing write never lets the lease lapse (only a completer that gives up does).
   */
  activeLeases(): Run[] {
    return [...this.runs.values()];
  }

  /**
   * A renewal found `run`'s lease gone (cancelled or reclaimed): stop the handler and discard its result, or drop
   * its outcome if it still waits to be sent (one already sent gets its answer from `finish` itself).
   */
  leaseLost(run: Run): void {
    if (!run.isRunning) {
      // persistFinish reports the outcome's fate once the completer answers.
      if (this.runs.get(run.job.id) === run) this.deps.completer.dropQueued(run.lease);
      return;
    }
    run.abort('leaseLost');
    const error = new LeaseLostError('renewLeases', run.job.id);
    this.events.reportError(error, 'leaseRenewal', 'job lost its lease while running; its result is discarded', 'warn');
    this.settleReported(run, DISCARD);
  }

  /** As `leaseLost`, for a job found by id: a renewal that began while the job still waited in the local queue. */
  leaseLostById(lease: Lease): void {
    const run = this.runs.get(lease.id);
    if (run !== undefined && run.lease.leaseId === lease.leaseId) this.leaseLost(run);
  }

  /** Resolves once every run is over: handlers settled and every outcome (or hand-back) written. */
  whenIdle(): Promise<void> {
    return this.when(() => this.runs.size === 0);
  }

  /** Resolves once no handler counts any more (each returned, timed out, or was handed back); writes may remain. */
  whenSettled(): Promise<void> {
    return this.when(() => this.unsettled === 0);
  }

  private adopt(job: Job): Run {
    const now = this.clock.now();
    const run = new Run(job, job.timeoutMs ?? this.config.jobTimeoutMs, now.getTime());
    this.runs.set(job.id, run);
    this.slotsHeld++;
    this.unsettled++;
    this.deadlines.add(run);
    this.events.emitMove(job, 'enqueued', now);
    return run;
  }

  private async execute(run: Run): Promise<void> {
    let value: unknown;
    let thrown: { error: unknown } | null = null;
    try {
      value = await this.invoke(run);
    } catch (error) {
      thrown = { error };
    }
    if (!run.isRunning) return this.discardLate(run, thrown !== null);
    let settlement: Settlement;
    if (thrown === null) settlement = this.finishing(returnOutcome(run.job, value, this.clock.now(), this.config));
    else settlement = run.abortedBy === 'stop' ? RELEASE : this.failing(run, thrown.error);
    await this.settle(run, settlement);
  }

  private invoke(run: Run): Promise<unknown> {
    const { job } = run;
    const handler = this.deps.registry.get(job.method);
    const ctx = new RunContext(run, this.logger, (value) => this.progress(run, value));
    const call =
      handler === undefined ? () => Promise.reject(this.noHandler(job)) : async () => handler(job.payload, ctx);
    return this.deps.chain()(ctx, call);
  }

  /** The failure of a job whose method this server has no handler for: names the method, the server and its methods. */
  private noHandler(job: Job): JobsmithError {
    const methods = this.deps.registry.methods();
    const known = methods.length === 0 ? 'none' : methods.join(', ');
    return new JobsmithError(
      `no handler registered for method ${job.method} on server ${this.config.serverId} (its methods: ${known})`,
    );
  }

  private failing(run: Run, error: unknown): Settlement {
    return this.finishing(failureOutcome(run.job, error, this.clock.now(), this.config));
  }

  private finishing(outcome: FinishOutcome): Settlement {
    return { kind: 'finish', outcome };
  }

  /** The deadline passed: the signal fires and the attempt fails now, without waiting for the handler. */
  private expire(run: Run): void {
    if (!run.isRunning) return;
    if (run.abortedBy === 'stop') {
      this.settleReported(run, RELEASE);
      return;
    }
    const error = new JobAbortedError(run.job.id, 'timeout', `after ${run.timeoutMs} ms`);
    run.abort('timeout', error);
    this.settleReported(run, this.failing(run, error));
  }

  private settleReported(run: Run, settlement: Settlement): void {
    this.settle(run, settlement).catch((error: unknown) => this.events.reportError(error, 'executor'));
  }

  /**
   * Decides the run's end once: writes its outcome (or hand-back), emits, and frees the slot whatever happens. Each
   * path moves the run out of `running` before its first await, so a second settle (a timeout racing the handler)
   * finds it decided.
   */
  private async settle(run: Run, settlement: Settlement): Promise<void> {
    if (!run.isRunning) return;
    this.unsettled--;
    this.deadlines.remove(run);
    this.checkWaiters();
    if (settlement.kind === 'discard') {
      this.end(run);
      return;
    }
    try {
      if (settlement.kind === 'finish') await this.persistFinish(run, settlement.outcome);
      else await this.persistRelease(run);
    } finally {
      this.end(run);
    }
  }

  /** Queues the outcome, frees the slot at once when the bound allows, and emits once the write is persisted. */
  private async persistFinish(run: Run, outcome: FinishOutcome): Promise<void> {
    const written = this.deps.completer.finish(outcome, run.job.attempt);
    // running -> writtenBehind (its slot frees now) or held (it keeps its slot until there is room).
    if (this.pending.admit(run)) this.slotFreed();
    const { result, writtenAt } = await written;
    if (result === 'leaseLost') await this.reportRefusedFinish(run);
    if (result === 'dropped' && !run.isCancelled) {
      const error = new LeaseLostError('renewLeases', run.job.id);
      this.events.reportError(error, 'leaseRenewal', 'job lost its lease before its outcome was written', 'warn');
    }
    if (result !== 'persisted') return;
    logFailedAttempt(this.logger, run.job, outcome, this.config.serverId);
    // A retry or a snooze: the scheduler learns when it falls due, as for a job enqueued for later.
    if (outcome.runAt !== undefined && (outcome.to === 'awaiting_retry' || outcome.to === 'scheduled'))
      this.retryScheduled(outcome.runAt);
    const now = this.clock.now();
    if (!this.events.wantsMove(outcome.to)) return;
    // Stored at the time the completer gave storage, the job is known without a read; only a write whose reply was
    // lost (its time unknown here) is read back.
    const finished = finishedJob(run.storedJob, outcome, writtenAt ?? now);
    const stored = outcome.purge || writtenAt !== null ? finished : await this.storedAfter(finished);
    this.events.emitMove(stored, 'processing', now);
  }

  private async persistRelease(run: Run): Promise<void> {
    run.release();
    const result = await this.deps.completer.release(run.lease);
    if (result !== 'persisted') return;
    const now = this.clock.now();
    if (this.events.wantsMove('enqueued'))
      this.events.emitMove(await this.storedAfter(releasedJob(run.job, now)), 'processing', now);
  }

  /**
   * The job as storage wrote it (its time, its last progress), read back for an event: only storage knows its write's
   * `updatedAt`. `expected` (the server's own view) stands in when the read fails or the job has moved on since.
   */
  private async storedAfter(expected: Job): Promise<Job> {
    const stored = await this.deps.storage.get(expected.id).catch(() => null);
    return stored?.state === expected.state ? stored : expected;
  }

  /**
   * The run is over (its write ended, or it was discarded): it moves to `ended`, and runs held past the bound may now
   * take its room and free their slots.
   */
  private end(run: Run): void {
    const heldSlot = run.holdsSlot;
    // Before the move: whether the run was written behind or held decides whose slot its end frees.
    const admitted = this.pending.ended(run);
    run.end();
    // The same job may have been claimed again meanwhile (reclaimed elsewhere, then by this server): keep that run.
    if (this.runs.get(run.job.id) === run) this.runs.delete(run.job.id);
    // Held runs that took its room moved on to `writtenBehind`: their slots come free too.
    for (const _ of admitted) this.slotFreed();
    if (heldSlot) this.slotFreed();
    this.checkWaiters();
  }

  /** A run left the states that hold a slot: one more worker is free. */
  private slotFreed(): void {
    this.slotsHeld--;
    for (const listener of this.listeners.slotFreed) listener();
  }

  private retryScheduled(runAt: Date): void {
    for (const listener of this.listeners.retryScheduled) listener(runAt);
  }

  /**
   * A cancel explains a refused finish (expected, so only logged): one already heard of, or one storage shows now
   * (the handler returned before a push or renewal told of it). Anything else is reported.
   */
  private async reportRefusedFinish(run: Run): Promise<void> {
    if (!run.isCancelled) {
      const stored = await this.storedIfCancelled(run.job.id);
      if (stored !== null) this.markCancelled(run, stored);
    }
    if (run.isCancelled) {
      this.logger.debug({ jobId: run.job.id }, 'cancelled job: its outcome was refused, as expected');
      return;
    }
    const error = new LeaseLostError('finish', run.job.id);
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

  /**
   * A job claimed here that waited in the local queue, never started, was cancelled (and dropped from the queue): it
   * is announced as a running one is, `processing` -> `deleted`.
   */
  cancelledWhileWaiting(job: Job, stored: Job | undefined): void {
    this.emitCancelled(job, stored);
  }

  /** Notes the cancel and emits `jobCancelled`; false when it was already noted. */
  private markCancelled(run: Run, stored: Job | undefined): boolean {
    if (!run.noteCancelled()) return false;
    this.emitCancelled(run.storedJob, stored);
    return true;
  }

  /** Emits `jobCancelled` for `job` with the job as stored: `stored` when storage returned it, else read back. */
  private emitCancelled(job: Job, stored: Job | undefined): void {
    const now = this.clock.now();
    if (!this.events.wantsMove('deleted')) return;
    if (stored !== undefined) {
      this.events.emitMove(stored, 'processing', now);
      return;
    }
    // Told only the id (a push): read back the cancel's expiresAt and time; the signal need not wait for it.
    const emit = (cancelled: Job) => this.events.emitMove(cancelled, 'processing', now);
    void this.storedAfter(cancelledJob(job, now)).then(emit);
  }

  /** The handler ended after its run did (timeout, hand-back, cancel, lost lease): nothing of it is written. */
  private discardLate(run: Run, threw: boolean): void {
    const fields = { jobId: run.job.id, abortedBy: run.abortedBy };
    // A handler that throws once its signal fired did what the signal asked; a late *result* is worth a warning.
    if (threw || run.abortedBy === 'cancel') this.logger.debug(fields, 'aborted job ended; its outcome was discarded');
    else this.logger.warn(fields, 'job returned after its run had ended; its late result was discarded');
  }

  private async progress(run: Run, value: number): Promise<void> {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ValidationError('progress', 'value', 'must be a finite number', value);
    }
    if (!run.isRunning) return;
    try {
      const [taken] = await this.deps.storage.recordProgress({ reports: [{ ...run.lease, progress: value }] });
      if (taken === true) run.noteProgress(value);
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
