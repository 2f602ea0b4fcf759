// server/loop.ts: the skeleton every server loop shares: start / stop / runOnce, a sleep that `wake()` and `stop()`
// cut short, and error handling that logs, emits `error`, backs off with growing jitter and resumes. A loop never
// throws out of its run; each subclass only says what one pass does and how long to sleep after it.
import type { Clock } from '../clock.js';
import type { ErrorSource, EventHub } from '../events.js';
import type { Logger } from '../logger.js';
import { type BackoffSchedule, backoffMs, cappedBackoffMs } from './backoff.js';
import { DEFAULT_TUNING } from './config.js';

/** What every loop needs from the server. */
export interface LoopContext {
  clock: Clock;
  events: EventHub;
  logger: Logger;
  /** Backoff after failed passes (the server's `loopBackoff` tuning). @defaultValue DEFAULT_TUNING.loopBackoff */
  loopBackoff?: BackoffSchedule;
}

type LoopState = 'idle' | 'running' | 'stopping';

/** The reason passed to abort() when cutting a sleep short; without one, every abort builds a DOMException. */
const WOKEN = Symbol('woken');

/** A restartable background loop: passes separated by sleeps, errors reported and backed off, never thrown. */
export abstract class Loop<R> {
  protected readonly clock: Clock;
  protected readonly events: EventHub;
  protected readonly logger: Logger;
  protected abstract readonly source: ErrorSource;
  private readonly backoff: BackoffSchedule;

  private state: LoopState = 'idle';
  private task: Promise<void> | null = null;
  /** Cuts a timed sleep short. */
  private sleeper: AbortController | null = null;
  /** Ends an untimed sleep (`delayAfter` gave null): no controller or timer needed for those. */
  private endIdle: (() => void) | null = null;
  private sleepingUntil: number | null = null;
  private wakePending = false;
  private stopSignal = new AbortController();
  private failures = 0;

  constructor(context: LoopContext) {
    this.clock = context.clock;
    this.events = context.events;
    this.logger = context.logger;
    this.backoff = context.loopBackoff ?? DEFAULT_TUNING.loopBackoff;
  }

  /** One pass; returns what it did (counts). Tests call it directly. May throw; the run loop handles that. */
  abstract runOnce(): Promise<R>;

  /** Milliseconds to sleep after a successful pass; null sleeps until `wake()`. */
  protected abstract delayAfter(result: R): number | null;

  /**
   * Milliseconds to sleep after `failures` consecutive failed passes: the loop backoff by default. A loop whose work
   * has a deadline (lease renewal, heartbeat) caps it (`cappedBackoffMs`) so its retries still land before it.
   */
  protected delayAfterFailure(failures: number): number {
    return backoffMs(failures, this.backoff);
  }

  /** The loop backoff, never past `capMs` (jittered). */
  protected cappedBackoffMs(failures: number, capMs: number): number {
    return cappedBackoffMs(failures, capMs, this.backoff);
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** True once `stop()` was called on a started loop, until it has stopped. */
  protected get isStopping(): boolean {
    return this.state === 'stopping';
  }

  /** Starts passes now; a started loop ignores a second start. */
  start(): void {
    if (this.task !== null) return;
    this.state = 'running';
    this.failures = 0;
    this.wakePending = false;
    this.stopSignal = new AbortController();
    this.task = this.run();
  }

  /** Ends the sleep (if any), waits for a pass in progress, and resolves once the loop has stopped. */
  async stop(): Promise<void> {
    const task = this.task;
    if (task === null) return;
    this.state = 'stopping';
    this.stopSignal.abort(WOKEN);
    this.sleeper?.abort(WOKEN);
    this.endIdle?.();
    await task;
    this.task = null;
    this.state = 'idle';
  }

  /** Cuts the current sleep short (or skips the next one when a pass is running). */
  wake(): void {
    if (this.endIdle !== null) this.endIdle();
    else if (this.sleeper !== null) this.sleeper.abort(WOKEN);
    else this.wakePending = true;
  }

  /** Wakes the loop only if it would otherwise sleep past `atMs`. */
  protected wakeBy(atMs: number): void {
    if (this.endIdle !== null) this.endIdle();
    else if (this.sleeper === null) this.wakePending = true;
    else if (this.sleepingUntil === null || this.sleepingUntil > atMs) this.sleeper.abort(WOKEN);
  }

  /** A pause inside a pass (between batches) that `stop()` cuts short. */
  protected pause(ms: number): Promise<void> {
    return this.clock.sleep(ms, this.stopSignal.signal);
  }

  private async run(): Promise<void> {
    while (this.state === 'running') {
      const delay = await this.pass();
      if (this.state !== 'running') break;
      await this.sleep(delay);
    }
  }

  private async pass(): Promise<number | null> {
    try {
      const result = await this.runOnce();
      this.failures = 0;
      return this.delayAfter(result);
    } catch (error) {
      this.failures++;
      const delay = this.delayAfterFailure(this.failures);
      this.events.reportError(error, this.source, `${this.source} pass failed; retrying in ${delay} ms`);
      return delay;
    }
  }

  private async sleep(ms: number | null): Promise<void> {
    if (this.wakePending) {
      this.wakePending = false;
      return yieldToEventLoop();
    }
    if (ms === 0) return yieldToEventLoop();
    if (ms === null) return this.idle();
    const sleeper = new AbortController();
    this.sleeper = sleeper;
    this.sleepingUntil = this.clock.now().getTime() + ms;
    await this.clock.sleep(ms, sleeper.signal);
    this.sleeper = null;
    this.sleepingUntil = null;
  }

  /** Sleeps until `wake()` or `stop()`. */
  private async idle(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.endIdle = resolve;
    });
    this.endIdle = null;
  }
}

/** Lets timers and I/O run between back-to-back passes without waiting on a timer. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
