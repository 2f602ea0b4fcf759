// events.ts: the server's hooks. Every event is emitted only after the write it reports is persisted; a listener that
// throws (or rejects) is reported on `error` and never reaches the loop that emitted, so processing cannot break.
import { EventEmitter } from 'eventemitter3';
import type { Job, JobState } from './job.js';
import type { Logger } from './logger.js';

/** A job moved from one state to another (after the move was persisted). */
export interface JobEvent {
  jobId: string;
  /** The job as it is after the move, as far as the server knows it. */
  job: Job;
  from: JobState;
  to: JobState;
  /** When the server saw the move persisted (its clock). */
  at: Date;
}

/** A peer stopped heartbeating; its processing jobs were handed back. */
export interface ServerDeadEvent {
  serverId: string;
  /** The dead server's jobs, now `enqueued` (or `failed` when no attempt was left). */
  jobs: Job[];
}

/** A recurring definition fired: its job was enqueued. */
export interface RecurringFiredEvent {
  /** The recurring definition's id. */
  id: string;
  jobId: string;
  /** The cron tick this firing stands for. */
  fireAt: Date;
}

/** Which part of the server reported an error. */
export type ErrorSource =
  | 'dispatcher'
  | 'executor'
  | 'finish'
  | 'leaseRenewal'
  | 'timeouts'
  | 'scheduler'
  | 'recurring'
  | 'cleanup'
  | 'heartbeat'
  | 'leaseSweep'
  | 'listener'
  | 'server';

/** Something went wrong that the server survived. */
export interface ErrorEvent {
  error: unknown;
  source: ErrorSource;
}

/** Every event a server emits, with its payload. */
export interface ServerEventMap {
  /** Any job transition the server made; sent before the more specific job event. */
  stateChange: JobEvent;
  /** A job was claimed (`enqueued` -> `processing`) and its handler is about to run. */
  jobStarted: JobEvent;
  jobSucceeded: JobEvent;
  /** A job reached `failed`: attempts exhausted, unrecoverable, or its lease lapsed with no attempt left. */
  jobFailed: JobEvent;
  /** An attempt failed and the job is `awaiting_retry`. */
  jobRetrying: JobEvent;
  /**
   * A job running on this server was cancelled (`processing` -> `deleted`), through any client in any process: its
   * signal fired with reason `cancel` and whatever its handler returns is discarded.
   */
  jobCancelled: JobEvent;
  serverDead: ServerDeadEvent;
  recurringFired: RecurringFiredEvent;
  error: ErrorEvent;
}

/** The name of a server event. */
export type ServerEventName = keyof ServerEventMap;

/** A listener; a returned promise that rejects is reported like a throw. */
export type ServerEventListener<E extends ServerEventName> = (event: ServerEventMap[E]) => void | Promise<void>;

/** Holds the listeners and delivers events to each one in isolation. Internal to the server. */
export class EventHub {
  private readonly emitter = new EventEmitter<ServerEventName>();
  private readonly logger: Logger;

  constructor(logger: Logger) {
    this.logger = logger;
  }

  on<E extends ServerEventName>(event: E, listener: ServerEventListener<E>): void {
    this.emitter.on(event, listener);
  }

  off<E extends ServerEventName>(event: E, listener: ServerEventListener<E>): void {
    this.emitter.off(event, listener);
  }

  /** Whether anyone listens, so hot paths can skip building an event nobody reads. */
  has(event: ServerEventName): boolean {
    return this.emitter.listenerCount(event) > 0;
  }

  /** Calls every listener of `event`; none can throw out of here. */
  emit<E extends ServerEventName>(event: E, payload: ServerEventMap[E]): void {
    if (!this.has(event)) return;
    for (const listener of this.emitter.listeners(event)) {
      try {
        const returned = (listener as ServerEventListener<E>)(payload);
        if (returned instanceof Promise) returned.catch((error: unknown) => this.listenerFailed(event, error));
      } catch (error) {
        this.listenerFailed(event, error);
      }
    }
  }

  /** Logs `error` (at `level`) and emits it on `error`, for anything the server survives. */
  reportError(
    error: unknown,
    source: ErrorSource,
    message = 'jobsmith server error',
    level: 'warn' | 'error' = 'error',
  ): void {
    this.logger[level]({ source, error }, message);
    this.emit('error', { error, source });
  }

  /** Whether any listener would hear a move into `to`, so callers can skip building the event. */
  wantsMove(to: JobState): boolean {
    const specific = jobEventFor(to);
    return this.has('stateChange') || (specific !== null && this.has(specific));
  }

  /**
   * A job moved from `from` to `job.state`: emits `stateChange`, then the event named for the move (`jobStarted`,
   * `jobSucceeded`, `jobRetrying`, `jobFailed`, `jobCancelled`).
   */
  emitMove(job: Job, from: JobState, at: Date): void {
    if (!this.wantsMove(job.state)) return;
    const event: JobEvent = { jobId: job.id, job, from, to: job.state, at };
    this.emit('stateChange', event);
    const specific = jobEventFor(job.state);
    if (specific !== null) this.emit(specific, event);
  }

  private listenerFailed(event: ServerEventName, error: unknown): void {
    if (event === 'error') {
      // Reporting an error listener's failure on `error` again could loop forever.
      this.logger.error({ error }, 'an error listener threw');
      return;
    }
    this.reportError(error, 'listener', `a ${event} listener threw`);
  }
}

/** The event named for a move into `to`, besides `stateChange`. */
function jobEventFor(
  to: JobState,
): 'jobSucceeded' | 'jobFailed' | 'jobRetrying' | 'jobStarted' | 'jobCancelled' | null {
  switch (to) {
    case 'succeeded':
      return 'jobSucceeded';
    case 'failed':
      return 'jobFailed';
    case 'awaiting_retry':
      return 'jobRetrying';
    case 'processing':
      return 'jobStarted';
    case 'deleted':
      return 'jobCancelled';
    default:
      return null;
  }
}
