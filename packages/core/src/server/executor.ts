// server/executor.ts: runs claimed jobs, one run per job: gives it a ctx and a signal (stop, timeout, cancel, lease
// lost), runs the middleware chain around its handler, turns what happened into an outcome (outcome.ts) and hands it
// to the completer; events go out only once the write is persisted. It never claims: the dispatcher does.
import type { Clock } from '../clock.js';
import { type AbortReason, JobAbortedError, JobsmithError, LeaseLostError, ValidationError } from '../errors.js';
import type { EventHub } from '../events.js';
import type { Job } from '../job.js';
import type { Logger } from '../logger.js';
import type { MiddlewareChain } from '../middleware.js';
import type { JobContext, WorkerRegistry } from '../registry.js';
import type { FinishOutcome, Lease, Storage } from '../storage.js';
import type { Completer } from './completer.js';
import { type Deadline, DeadlineQueue } from './deadlines.js';
import type { LoopContext } from './loop.js';
import { failureOutcome, finishedJob, type OutcomeConfig, releasedJob, returnOutcome } from './outcome.js';

/** The executor's slice of the server config. */
export interface ExecutorConfig extends OutcomeConfig {
  /** Timeout of jobs without their own `timeoutMs`. */
  jobTimeoutMs: number;
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
}

type Settlement = { kind: 'finish'; outcome: FinishOutcome } | { kind: 'release' } | { kind: 'discard' };
const RELEASE: Settlement = { kind: 'release' };
const DISCARD: Settlement = { kind: 'discard' };

/** Runs every claimed job to the end of its run, holding one worker slot per job until its outcome is written. */
export class Executor {
  private readonly clock: Clock;
  private readonly events: EventHub;
  private readonly logger: Logger;
  private readonly config: ExecutorConfig;
  private readonly deps: ExecutorDeps;
  private readonly running = new Map<string, RunningJob>();
  private readonly deadlines: DeadlineQueue<RunningJob>;
  private idleWaiters: (() => void)[] = [];

  constructor(context: LoopContext, config: ExecutorConfig, deps: ExecutorDeps) {
    this.clock = context.clock;
    this.events = context.events;
    this.logger = context.logger;
    this.config = config;
    this.deps = deps;
    this.deadlines = new DeadlineQueue(context, (entry) => this.expire(entry));
  }

  /** Jobs holding a worker slot (running, or writing their outcome). */
  get runningCount(): number {
    return this.running.size;
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
    for (const entry of this.running.values()) if (!entry.settled) this.abort(entry, reason);
  }

  /** Hands back every job still running (stop deadline): attempts refunded, late results discarded. */
  async releaseAll(): Promise<void> {
    const pending = [...this.running.values()].filter((entry) => !entry.settled);
    await Promise.all(pending.map((entry) => this.settle(entry, RELEASE)));
  }

  /** A job cancelled through this server: fires its signal now (storage already moved it to `deleted`). */
  cancel(jobId: string): void {
    const entry = this.running.get(jobId);
    if (entry === undefined || entry.settled) return;
    this.abort(entry, 'cancel');
    this.settleReported(entry, DISCARD);
  }

  /**
   * Every held lease, for the shared renewal: runs in progress and runs whose outcome is still being written, so a
   * storage blip during the write does not let the lease lapse (it lapses only once the completer gives up).
   */
  activeLeases(): RunningJob[] {
    return [...this.running.values()];
  }

  /** A renewal found `entry`'s lease gone (cancelled or reclaimed): stop the handler, discard its result. */
  leaseLost(entry: RunningJob): void {
    if (entry.settled) return;
    this.abort(entry, 'leaseLost');
    const error = new LeaseLostError('renewLeases', entry.job.id);
    this.events.reportError(error, 'leaseRenewal', 'job lost its lease while running; its result is discarded', 'warn');
    this.settleReported(entry, DISCARD);
  }

  /** As `leaseLost`, for a job found by id: a renewal that began while the job still waited in the local queue. */
  leaseLostById(lease: Lease): void {
    const entry = this.running.get(lease.id);
    if (entry !== undefined && entry.lease.leaseId === lease.leaseId) this.leaseLost(entry);
  }

  /** Resolves once no job holds a slot. */
  whenIdle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
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
    };
    this.running.set(job.id, entry);
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
      handler === undefined
        ? () => Promise.reject(new JobsmithError(`no handler registered for method ${job.method}`))
        : async () => handler(job.payload, ctx);
    return this.deps.chain()(ctx, run);
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
    this.deadlines.remove(entry);
    try {
      if (settlement.kind === 'finish') await this.persistFinish(entry, settlement.outcome);
      else if (settlement.kind === 'release') await this.persistRelease(entry);
    } finally {
      this.running.delete(entry.job.id);
      this.deps.onSlotFreed();
      if (this.running.size === 0) this.notifyIdle();
    }
  }

  private async persistFinish(entry: RunningJob, outcome: FinishOutcome): Promise<void> {
    const result = await this.deps.completer.finish(outcome);
    if (result === 'leaseLost') {
      const error = new LeaseLostError('finish', entry.job.id);
      this.events.reportError(error, 'finish', 'finish found the lease gone; the result was discarded', 'warn');
    }
    if (result !== 'persisted') return;
    if (outcome.to === 'awaiting_retry' && outcome.runAt !== undefined) this.deps.onRetryScheduled(outcome.runAt);
    const now = this.clock.now();
    if (this.events.wantsMove(outcome.to))
      this.events.emitMove(finishedJob(entry.job, outcome, now), 'processing', now);
  }

  private async persistRelease(entry: RunningJob): Promise<void> {
    const result = await this.deps.completer.release(entry.lease);
    if (result !== 'persisted') return;
    const now = this.clock.now();
    if (this.events.wantsMove('enqueued')) this.events.emitMove(releasedJob(entry.job, now), 'processing', now);
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
      await this.deps.storage.recordProgress([{ ...entry.lease, progress: value }]);
    } catch (error) {
      this.events.reportError(error, 'executor', 'recording progress failed');
    }
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * The `ctx` a handler and its middleware get. `signal` and `log` are built on first read (getters on the prototype),
 * since most handlers never touch them.
 */
class RunContext implements JobContext {
  readonly job: Job;
  readonly attempt: number;
  readonly progress: (value: number) => Promise<void>;
  private readonly entry: RunningJob;
  private readonly logger: Logger;
  private jobLog: Logger | null = null;

  constructor(entry: RunningJob, logger: Logger, progress: (value: number) => Promise<void>) {
    this.job = entry.job;
    this.attempt = entry.job.attempt;
    this.progress = progress;
    this.entry = entry;
    this.logger = logger;
  }

  get signal(): AbortSignal {
    const entry = this.entry;
    if (entry.controller === null) {
      entry.controller = new AbortController();
      if (entry.abortError !== null) entry.controller.abort(entry.abortError);
    }
    return entry.controller.signal;
  }

  get log(): Logger {
    this.jobLog ??= jobLogger(this.logger, this.job);
    return this.jobLog;
  }
}

/** `logger` with the job's id, method and attempt on every line. */
function jobLogger(logger: Logger, job: Job): Logger {
  const base = { jobId: job.id, method: job.method, attempt: job.attempt };
  return {
    debug: (fields, message) => logger.debug({ ...base, ...fields }, message),
    info: (fields, message) => logger.info({ ...base, ...fields }, message),
    warn: (fields, message) => logger.warn({ ...base, ...fields }, message),
    error: (fields, message) => logger.error({ ...base, ...fields }, message),
  };
}
