// server/server.ts: BackgroundJobServer wires the parts: dispatcher (claims), executor (runs), completer (writes),
// lease renewer, scheduler, recurring poller, cleanup, heartbeat and lease sweep, around one storage and one clock.
// It builds them top-down (each from parts already built) and owns the lifecycle (start, graceful stop) and the
// public hooks; each part does its own job and nothing else.
import { type ClientEnqueueOptions, type EnqueueItem, JobClient } from '../client.js';
import type { Clock } from '../clock.js';
import type { EnqueueOptions } from '../enqueue-options.js';
import { ServerStateError, ValidationError } from '../errors.js';
import { EventHub, type ServerEventListener, type ServerEventName } from '../events.js';
import { randomId } from '../ids.js';
import type { Job } from '../job.js';
import { composeMiddleware, type Middleware, type MiddlewareChain } from '../middleware.js';
import type { JobHandle, WorkerRegistry } from '../registry.js';
import type { RecurringDefinition, Storage } from '../storage.js';
import { checkName } from '../validation.js';
import { Cleanup } from './cleanup.js';
import { Completer } from './completer.js';
import { checkCapabilities, type ResolvedServerConfig, resolveServerConfig, type ServerConfig } from './config.js';
import { Dispatcher } from './dispatcher.js';
import { Executor } from './executor.js';
import { Heartbeat } from './heartbeat.js';
import { LeaseRenewer } from './lease-renewer.js';
import { LeaseSweep } from './lease-sweep.js';
import { LocalQueue } from './local-queue.js';
import type { LoopContext } from './loop.js';
import { pendingOutcomesBound } from './pending-outcomes.js';
import { type RecurringOptions, RecurringPoller, recurringDefinition } from './recurring.js';
import { Scheduler } from './scheduler.js';
import { type SignalledServer, signalHandler } from './signals.js';

/** Period of the timer that keeps the process alive while the server runs (it does nothing). */
const KEEP_ALIVE_MS = 2 ** 30;

type ServerState = 'stopped' | 'starting' | 'running' | 'stopping';

/** The running parts; built once, restartable. */
interface Parts {
  completer: Completer;
  executor: Executor;
  dispatcher: Dispatcher;
  leaseRenewer: LeaseRenewer;
  scheduler: Scheduler;
  recurring: RecurringPoller;
  cleanup: Cleanup;
  heartbeat: Heartbeat;
  leaseSweep: LeaseSweep;
}

/** Runs jobs from `storage` with the handlers in `registry`, plus the loops that keep the job table healthy. */
export class BackgroundJobServer<Tx = unknown> {
  readonly config: ResolvedServerConfig;
  readonly storage: Storage<Tx>;
  readonly registry: WorkerRegistry;
  /** A JobClient on the same storage; its `cancel` also fires the signal of a job running on this server. */
  readonly client: JobClient<Tx>;
  /** `serverName#<uuid>`: stamped on every claim and on this server's row. */
  readonly id: string;

  private readonly events: EventHub;
  private readonly middleware: Middleware[] = [];
  private chain: MiddlewareChain | null = null;
  private readonly parts: Parts;
  private state: ServerState = 'stopped';
  private transition: Promise<void> = Promise.resolve();
  private keepAlive: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  /** This server as the shared signal handler sees it. */
  private readonly signalled: SignalledServer;

  /** Throws ConfigError (naming the field) for bad config, or a config the storage cannot honour. */
  constructor(config: ServerConfig, storage: Storage<Tx>, registry: WorkerRegistry) {
    this.config = resolveServerConfig(config);
    checkCapabilities(this.config, storage.capabilities);
    this.storage = storage;
    this.registry = registry;
    this.id = `${this.config.serverName}#${randomId()}`;
    this.events = new EventHub(this.config.logger);
    this.signalled = { id: this.id, logger: this.config.logger, stop: () => this.stop() };
    const parts = this.buildParts();
    this.parts = parts;
    this.client = new ServerJobClient(storage, {
      cancelled: (jobId, job) => this.cancelled(jobId, job),
      dueAt: (runAt) => parts.scheduler.dueAt(runAt),
    });
  }

  /** Adds a middleware around every execution; the first added runs outermost. */
  use(middleware: Middleware): this {
    if (typeof middleware !== 'function')
      throw new ValidationError('use', 'middleware', 'must be a function', middleware);
    this.middleware.push(middleware);
    this.chain = null;
    return this;
  }

  /** Listens to `event`; see ServerEventMap for each payload. */
  on<E extends ServerEventName>(event: E, listener: ServerEventListener<E>): this {
    this.events.on(event, listener);
    return this;
  }

  off<E extends ServerEventName>(event: E, listener: ServerEventListener<E>): this {
    this.events.off(event, listener);
    return this;
  }

  /** Listens to every job transition this server makes, emitted after it is persisted. */
  onStateChange(listener: ServerEventListener<'stateChange'>): this {
    return this.on('stateChange', listener);
  }

  /** Whether the server was started and `stop()` has not been called since. */
  isRunning(): boolean {
    return this.state === 'starting' || this.state === 'running';
  }

  /**
   * Opens (migrates) the storage, registers the server and starts its loops. Rejects with ServerStateError unless
   * stopped, and with the storage's StorageError (naming the store and how to fix it) when the store cannot be
   * reached or migrated: the server is then stopped and may be started again. Outages after start are survived.
   */
  async start(): Promise<void> {
    if (this.state !== 'stopped') {
      throw new ServerStateError(
        'start',
        `the server is ${this.state === 'stopping' ? 'stopping' : 'already running'}`,
      );
    }
    this.state = 'starting';
    const starting = this.startParts();
    // stop() awaits the transition: a failed start leaves nothing to stop, so it must not reject there.
    this.transition = starting.catch(() => undefined);
    await starting;
  }

  /**
   * Stops gracefully: claiming stops at once, every running job's signal fires, handlers get shutdownTimeoutMs to
   * return (a result is persisted as usual); jobs still running then go back to `enqueued` with the attempt refunded.
   * Outcomes still waiting to be written are results to keep: stop resolves only once they are written.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    if (this.state === 'stopping') return this.transition;
    await this.transition;
    this.state = 'stopping';
    this.transition = this.stopParts();
    await this.transition;
  }

  /** Declares (or updates) a recurring job; ValidationError for a bad cron, timezone or option. */
  async scheduleRecurring(
    id: string,
    cron: string,
    method: string,
    payload: unknown,
    options?: RecurringOptions,
  ): Promise<RecurringDefinition> {
    const def = recurringDefinition({ id, cron, method, payload, options }, this.storage.clock.now());
    return this.storage.upsertRecurring(def);
  }

  /** Removes a recurring job; false if there was none. Jobs it already enqueued stay. */
  removeRecurring(id: string): Promise<boolean> {
    return this.storage.removeRecurring(checkName('removeRecurring', 'id', id));
  }

  /**
   * Builds the parts top-down: each gets only parts built before it. The two that report back up (the executor's
   * freed slots and written retries) are listened to by what is built after it: the dispatcher subscribes itself,
   * the scheduler is subscribed here.
   */
  private buildParts(): Parts {
    const config = this.config;
    const { tuning } = config;
    const storage = this.storage as Storage;
    const context: LoopContext = {
      clock: storage.clock,
      events: this.events,
      logger: config.logger,
      loopBackoff: tuning.loopBackoff,
    };
    const completer = new Completer(storage, storage.clock, this.events, tuning.maxWriteBatch);
    const localQueue = config.localQueueSize > 0 ? new LocalQueue() : null;
    const executor = new Executor(
      context,
      {
        ...pick(config, ['jobTimeoutMs', 'succeededTtlMs', 'failedTtlMs', 'retryPolicy']),
        maxPendingOutcomes: pendingOutcomesBound(config.workerCount, config.localQueueSize, tuning.minPendingOutcomes),
        serverId: this.id,
      },
      { storage, registry: this.registry, completer, chain: () => this.middlewareChain() },
    );
    const dispatcher = new Dispatcher(
      context,
      storage,
      executor,
      {
        ...pick(config, ['queues', 'workerCount', 'fetchBatchSize', 'pollingIntervalMs', 'leaseMs', 'localQueueSize']),
        serverId: this.id,
        maxClaimsPerPass: tuning.maxClaimsPerPass,
      },
      localQueue,
    );
    const wakeDispatcher = () => dispatcher.jobsAvailable();
    const scheduler = new Scheduler(
      context,
      storage,
      {
        pollIntervalMs: config.schedulerPollIntervalMs,
        batchSize: tuning.sweepBatchSize,
        dueBucketMs: tuning.dueBucketMs,
      },
      wakeDispatcher,
    );
    executor.onRetryScheduled((runAt) => scheduler.dueAt(runAt));
    const leaseRenewer = new LeaseRenewer(
      context,
      storage,
      executor,
      { leaseMs: config.leaseMs, cancelCheckMs: cancelCheckMs(config, storage) },
      localQueue,
    );
    const recurring = new RecurringPoller(
      context,
      storage,
      { pollIntervalMs: config.recurringPollIntervalMs, misfireToleranceMs: tuning.misfireToleranceMs },
      wakeDispatcher,
    );
    const cleanup = new Cleanup(context, storage, {
      intervalMs: config.cleanupIntervalMs,
      batchSize: tuning.sweepBatchSize,
      batchPauseMs: tuning.cleanupBatchPauseMs,
    });
    const heartbeat = new Heartbeat(
      context,
      storage,
      {
        ...pick(config, ['serverName', 'queues', 'workerCount', 'deadServerTimeoutMs', 'failedTtlMs']),
        serverId: this.id,
        enabled: config.enableHeartbeat,
        intervalMs: config.heartbeatIntervalMs,
      },
      wakeDispatcher,
    );
    const leaseSweep = new LeaseSweep(
      context,
      storage,
      { intervalMs: tuning.leaseSweepIntervalMs, batchSize: tuning.sweepBatchSize, failedTtlMs: config.failedTtlMs },
      wakeDispatcher,
    );
    return { completer, executor, dispatcher, leaseRenewer, scheduler, recurring, cleanup, heartbeat, leaseSweep };
  }

  private middlewareChain(): MiddlewareChain {
    this.chain ??= composeMiddleware(this.middleware);
    return this.chain;
  }

  private async startParts(): Promise<void> {
    const { completer, executor, dispatcher, leaseRenewer, scheduler, recurring, cleanup, heartbeat, leaseSweep } =
      this.parts;
    try {
      // Opens the storage first: on a store-time clock the offset is measured before the first stamp is written.
      await this.storage.migrate();
      await heartbeat.register();
    } catch (error) {
      // A store that cannot be reached or migrated now is a setup mistake to report, not an outage to ride out.
      this.state = 'stopped';
      throw error;
    }
    if (this.config.workerCount > 0) {
      completer.start();
      executor.start();
      leaseRenewer.start();
      dispatcher.start();
      if (this.storage.capabilities.push) this.subscribe();
    }
    if (this.config.enableScheduler) scheduler.start();
    if (this.config.enableRecurring) recurring.start();
    if (this.config.enableCleanup) cleanup.start();
    if (this.config.enableHeartbeat) heartbeat.start();
    // Every server sweeps lapsed leases, heartbeat or not: a lease is each job's own clock.
    leaseSweep.start();
    // Every other timer is unref'd; this one keeps the process alive on purpose while the server runs.
    this.keepAlive = setInterval(() => {}, KEEP_ALIVE_MS);
    if (this.config.handleSignals) signalHandler().add(this.signalled);
    this.state = 'running';
  }

  private async stopParts(): Promise<void> {
    const { completer, executor, dispatcher, leaseRenewer, scheduler, recurring, cleanup, heartbeat, leaseSweep } =
      this.parts;
    // Whatever storage does, stop resolves by then: handlers get shutdownTimeoutMs, writes and loops a margin more.
    const handlersDeadline = new StopDeadline(this.storage.clock, this.config.shutdownTimeoutMs);
    const deadline = new StopDeadline(
      this.storage.clock,
      this.config.shutdownTimeoutMs + this.config.tuning.stopMarginMs,
    );
    this.unsubscribe?.();
    this.unsubscribe = null;
    const dispatcherStopped = dispatcher.stop();
    executor.abortAll('stop');
    await deadline.race(dispatcherStopped);
    // Claimed but never started: back to `enqueued` at once, attempt refunded.
    dispatcher.releaseBuffered();
    const drained = await handlersDeadline.race(executor.whenSettled());
    handlersDeadline.clear();
    if (!drained) {
      this.config.logger.warn({ serverId: this.id }, 'shutdown timeout: handing still-running jobs back');
      await deadline.race(executor.releaseAll());
    }
    // Outcomes written behind (and hand-backs) are still in the completer; their leases stay renewed until written.
    const written = await deadline.race(executor.whenIdle());
    if (!written) {
      this.config.logger.warn(
        { serverId: this.id },
        'storage did not take the last outcomes before the stop deadline; peers will reclaim their jobs',
      );
      completer.abandon();
    }
    const loops = [
      executor.stop(),
      leaseRenewer.stop(),
      scheduler.stop(),
      recurring.stop(),
      cleanup.stop(),
      leaseSweep.stop(),
    ];
    await deadline.race(Promise.all(loops));
    await deadline.race(heartbeat.stop());
    // With writes given up, the row stays: peers reclaim its jobs once it falls silent (deadServerTimeoutMs), instead
    // of each waiting for its own lease to lapse.
    if (written) {
      await deadline.race(
        heartbeat.deregister().catch((error: unknown) => {
          this.events.reportError(error, 'heartbeat', 'deregistering the server failed; peers will reclaim it');
        }),
      );
    }
    deadline.clear();
    if (this.keepAlive !== null) clearInterval(this.keepAlive);
    this.keepAlive = null;
    this.state = 'stopped';
    if (this.config.handleSignals) signalHandler().remove(this.signalled);
  }

  private subscribe(): void {
    try {
      this.unsubscribe = this.storage.subscribe(
        (queue) => this.onPush(queue),
        (jobId) => this.cancelled(jobId),
      );
    } catch (error) {
      this.events.reportError(error, 'server', 'subscribing to wake-ups failed; polling only');
    }
  }

  private onPush(queue: string): void {
    const { queues } = this.config;
    if (queues.length === 0 || queues.includes(queue)) this.parts.dispatcher.jobsAvailable();
  }

  /**
   * A job storage moved to `deleted` (through `client`, or announced by push from any client): if it runs or waits
   * here, it stops now with reason `cancel`, not at the next lease renewal. Ids of jobs held elsewhere are ignored.
   */
  private cancelled(jobId: string, job?: Job): void {
    const waiting = this.parts.dispatcher.dropBuffered(jobId);
    if (waiting === undefined) this.parts.executor.cancel(jobId, job);
    else this.parts.executor.cancelledWhileWaiting(waiting, job);
  }
}

/**
 * How often the lease renewer must run while jobs are held so a cancel reaches them in time: where another process
 * may cancel and no push tells of it (a shared SQLite file), every polling interval; elsewhere push does, so null.
 */
function cancelCheckMs(config: ResolvedServerConfig, storage: Storage): number | null {
  const { multiProcess, crossProcessPush } = storage.capabilities;
  return multiProcess && !crossProcessPush ? config.pollingIntervalMs : null;
}

/** A point in time that waits may race: each `race` resolves false instead of waiting past it. */
class StopDeadline {
  private readonly timer = new AbortController();
  private readonly passed: Promise<false>;

  constructor(clock: Clock, ms: number) {
    this.passed = clock.sleep(ms, this.timer.signal).then(() => false);
  }

  /** True when `work` settled before the deadline (its rejection counts as settled; report it where it is made). */
  race(work: Promise<unknown>): Promise<boolean> {
    const settled = work.then(
      () => true,
      () => true,
    );
    return Promise.race([settled, this.passed]);
  }

  /** Cancels the timer. */
  clear(): void {
    this.timer.abort();
  }
}

/** The named fields of `source`: how each part gets only its slice of the config. */
function pick<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const key of keys) out[key] = source[key];
  return out;
}

/** What the server's client tells the server about jobs written through it. */
interface ClientHooks {
  /** A job was cancelled (`job` as storage returned it): fire its signal if it runs here. */
  cancelled(jobId: string, job: Job): void;
  /** A job was enqueued due at `runAt` (in the future): make the scheduler look by then. */
  dueAt(runAt: Date): void;
}

/**
 * The server's client. Cancelling a job that runs here fires its signal at once (not at the next lease renewal), and
 * a delayed job enqueued here wakes the scheduler when it falls due rather than at its next poll.
 */
class ServerJobClient<Tx> extends JobClient<Tx> {
  private readonly hooks: ClientHooks;

  constructor(storage: Storage<Tx>, hooks: ClientHooks) {
    super(storage);
    this.hooks = hooks;
  }

  override async enqueue<P>(
    method: string | JobHandle<P, unknown>,
    payload: P,
    options?: ClientEnqueueOptions<Tx>,
  ): Promise<string> {
    const id = await super.enqueue(method, payload, options);
    this.noteDue(options);
    return id;
  }

  override async enqueueMany(items: readonly EnqueueItem[], options?: { tx?: Tx }): Promise<string[]> {
    const ids = await super.enqueueMany(items, options);
    for (const item of items) this.noteDue(item.options);
    return ids;
  }

  override async cancel(id: string): Promise<Job> {
    const job = await super.cancel(id);
    this.hooks.cancelled(id, job);
    return job;
  }

  /** Reads the clock after the write, so the estimate is never earlier than the stored runAt. */
  private noteDue(options: EnqueueOptions | undefined): void {
    if (options?.runAt !== undefined) this.hooks.dueAt(options.runAt);
    else if (options?.delayMs !== undefined && options.delayMs > 0) {
      this.hooks.dueAt(new Date(this.storage.clock.now().getTime() + Math.ceil(options.delayMs)));
    }
  }
}
