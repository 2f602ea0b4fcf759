// server/recurring.ts: recurring (cron) jobs. `recurringDefinition` validates a schedule when it is declared; the
// poller fires due definitions through `fireRecurring`, an atomic compare-and-set on nextRunAt plus enqueue, so any
// number of servers fire each tick once without a leader. After downtime it fires one catch-up run, never a burst.
import { checkCron, checkTimezone, nextCronTick } from '../cron.js';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_QUEUE } from '../enqueue-options.js';
import { ValidationError } from '../errors.js';
import type { ErrorSource } from '../events.js';
import { uuidv7 } from '../ids.js';
import type { NewJob } from '../job.js';
import type { RecurringDefinition, Storage } from '../storage.js';
import {
  checkInteger,
  checkKnownKeys,
  checkMetadata,
  checkName,
  checkQueue,
  INT32_MAX,
  INT32_MIN,
  MAX_INSTANT_ISO,
  MAX_INSTANT_MS,
  serializeJson,
} from '../validation.js';
import { Loop, type LoopContext } from './loop.js';

/** Options of `server.scheduleRecurring`. */
export interface RecurringOptions {
  /** IANA zone the cron is read in (DST-aware). @defaultValue 'UTC' */
  timezone?: string;
  /** Queue of each firing. @defaultValue 'default' */
  queue?: string;
  /** Priority of each firing. @defaultValue 0 */
  priority?: number;
  /** Attempts of each firing. @defaultValue 5 */
  maxAttempts?: number;
  /** Timeout of each firing in ms. @defaultValue the server's jobTimeoutMs */
  timeoutMs?: number;
  /** Labels of each firing. @defaultValue {} */
  metadata?: Record<string, string>;
  /** After downtime: 'once' fires one catch-up run, 'skip' fires none and waits for the next tick. @defaultValue 'once' */
  misfire?: 'once' | 'skip';
  /**
   * 'skip' fires no new tick while the previous firing's job is unfinished (enqueued, scheduled, processing or
   * awaiting_retry): the tick passes unfired. 'allow' fires every tick, so runs may overlap. @defaultValue 'allow'
   */
  overlap?: 'allow' | 'skip';
}

const OPTION_KEYS: ReadonlySet<string> = new Set([
  'timezone',
  'queue',
  'priority',
  'maxAttempts',
  'timeoutMs',
  'metadata',
  'misfire',
  'overlap',
]);

/** What `scheduleRecurring` was given, before validation. */
export interface RecurringInput {
  id: unknown;
  cron: unknown;
  method: unknown;
  payload: unknown;
  options: RecurringOptions | undefined;
}

/** Validates a schedule and builds its definition, due at the first tick after `now`. */
export function recurringDefinition(input: RecurringInput, now: Date): RecurringDefinition {
  const op = 'scheduleRecurring';
  const id = checkName(op, 'id', input.id);
  const opts = checkOptions(op, input.options);
  const timezone = opts.timezone === undefined ? 'UTC' : checkTimezone(op, 'options.timezone', opts.timezone);
  const cron = checkCron(op, 'cron', input.cron, timezone);
  if (opts.misfire !== undefined && opts.misfire !== 'once' && opts.misfire !== 'skip') {
    throw new ValidationError(op, 'options.misfire', "must be 'once' or 'skip'", opts.misfire);
  }
  if (opts.overlap !== undefined && opts.overlap !== 'allow' && opts.overlap !== 'skip') {
    throw new ValidationError(op, 'options.overlap', "must be 'allow' or 'skip'", opts.overlap);
  }
  return {
    id,
    cron,
    timezone,
    method: checkName(op, 'method', input.method),
    payload: serializeJson(op, 'payload', input.payload),
    queue: opts.queue === undefined ? DEFAULT_QUEUE : checkQueue(op, 'options.queue', opts.queue),
    priority:
      opts.priority === undefined ? 0 : checkInteger(op, 'options.priority', opts.priority, INT32_MIN, INT32_MAX),
    maxAttempts:
      opts.maxAttempts === undefined
        ? DEFAULT_MAX_ATTEMPTS
        : checkInteger(op, 'options.maxAttempts', opts.maxAttempts, 1, INT32_MAX),
    timeoutMs:
      opts.timeoutMs === undefined ? null : checkInteger(op, 'options.timeoutMs', opts.timeoutMs, 1, INT32_MAX),
    metadata: opts.metadata === undefined ? {} : checkMetadata(op, 'options.metadata', opts.metadata),
    misfire: opts.misfire ?? 'once',
    overlap: opts.overlap ?? 'allow',
    nextRunAt: nextStorableTick(cron, timezone, now),
    lastRunAt: null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * The first tick of `cron` after `now`, or a ValidationError naming `cron` when it falls past MAX_INSTANT_MS: no store
 * could hold it as nextRunAt, so the schedule is refused when declared, and a poller that meets it reports it.
 */
function nextStorableTick(cron: string, timezone: string, now: Date): Date {
  let tick: Date;
  try {
    tick = nextCronTick(cron, timezone, now);
  } catch (error) {
    // cron-parser gives up near the end of the JS Date range (and on a schedule with no tick at all).
    const detail = error instanceof Error ? error.message : String(error);
    throw new ValidationError('scheduleRecurring', 'cron', `has no next tick: ${detail}`, cron);
  }
  if (tick.getTime() <= MAX_INSTANT_MS) return tick;
  throw new ValidationError('scheduleRecurring', 'cron', `has no tick from now until ${MAX_INSTANT_ISO}`, cron);
}

function checkOptions(op: string, options: unknown): RecurringOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ValidationError(op, 'options', 'must be an object', options);
  }
  checkKnownKeys(op, 'options', options, OPTION_KEYS);
  return options as RecurringOptions;
}

/** The unique key of one firing: at most one job per definition and tick, whoever fires it. */
export function firingKey(id: string, fireAt: Date): string {
  return `recurring:${id}:${fireAt.getTime()}`;
}

/** The poller's slice of the server config. */
export interface RecurringConfig {
  pollIntervalMs: number;
  /** How late a tick may be read and still count as on time (misfire 'skip'), beyond one poll interval. */
  misfireToleranceMs: number;
}

/** The cron loop: `runOnce()` fires every due definition this server wins and returns how many it enqueued. */
export class RecurringPoller extends Loop<number> {
  protected readonly source: ErrorSource = 'recurring';
  private readonly storage: Storage;
  private readonly config: RecurringConfig;
  private readonly onFired: () => void;

  constructor(context: LoopContext, storage: Storage, config: RecurringConfig, onFired: () => void) {
    super(context);
    this.storage = storage;
    this.config = config;
    this.onFired = onFired;
  }

  /** Fires every due definition this server wins; returns how many jobs it enqueued. */
  async runOnce(): Promise<number> {
    const now = this.clock.now();
    let fired = 0;
    for (const def of await this.storage.listDueRecurring(now)) {
      if (await this.fire(def, now)) fired++;
    }
    if (fired > 0) this.onFired();
    return fired;
  }

  protected delayAfter(): number {
    return this.config.pollIntervalMs;
  }

  /**
   * One compare-and-set: enqueue this tick's job and move to the next. Under misfire 'skip' a stale tick enqueues
   * none; under overlap 'skip' the storage enqueues none while the previous firing's job is unfinished.
   */
  private async fire(def: RecurringDefinition, now: Date): Promise<boolean> {
    let nextRunAt: Date;
    try {
      nextRunAt = nextStorableTick(def.cron, def.timezone, now);
    } catch (error) {
      this.events.reportError(error, this.source, `recurring ${def.id} has no storable next tick; not fired`);
      return false;
    }
    const lateMs = now.getTime() - def.nextRunAt.getTime();
    const stale = def.misfire === 'skip' && lateMs > this.config.pollIntervalMs + this.config.misfireToleranceMs;
    const job = stale ? null : firingJob(def, now);
    const result = await this.storage.fireRecurring({
      id: def.id,
      expectedRunAt: def.nextRunAt,
      nextRunAt,
      job,
      skipWhileUnfinished: def.overlap === 'skip' && def.lastRunAt !== null ? firingKey(def.id, def.lastRunAt) : null,
    });
    if (result !== 'fired' || job === null) return false;
    this.events.emit('recurringFired', { id: def.id, jobId: job.id, fireAt: def.nextRunAt });
    return true;
  }
}

/** The job one tick enqueues: the definition's template, due at the tick. */
function firingJob(def: RecurringDefinition, now: Date): NewJob {
  return {
    id: uuidv7(now.getTime()),
    method: def.method,
    payload: def.payload,
    queue: def.queue,
    priority: def.priority,
    state: 'enqueued',
    maxAttempts: def.maxAttempts,
    timeoutMs: def.timeoutMs,
    runAt: def.nextRunAt,
    createdAt: now,
    uniqueKey: firingKey(def.id, def.nextRunAt),
    metadata: { ...def.metadata },
    onDuplicate: 'keep',
  };
}
