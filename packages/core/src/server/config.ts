// server/config.ts: the one place that reads a ServerConfig. It holds every default (the options' and the internal
// tuning's), rejects bad input with a ConfigError naming the field, and returns a frozen config; the loops get only
// their slice of it.
import { ConfigError } from '../errors.js';
import { consoleLogger, type Logger } from '../logger.js';
import { checkRetryPolicy, DEFAULT_RETRY_POLICY, type RetryPolicy } from '../retry.js';
import type { StorageCapabilities } from '../storage.js';
import { INT32_MAX, MAX_DURATION_MS } from '../validation.js';
import type { BackoffSchedule } from './backoff.js';

/** Options of `new BackgroundJobServer(config, storage, registry)`; all optional, durations in milliseconds. */
export interface ServerConfig {
  /** Name of this server; its id is `serverName#<uuid>`. @defaultValue 'jobsmith' */
  serverName?: string;
  /** Jobs run at once; 0 runs only the loops (scheduler, recurring, cleanup, heartbeat). @defaultValue 10 */
  workerCount?: number;
  /** Queues to claim from; [] claims from every queue. @defaultValue ['default'] */
  queues?: readonly string[];
  /** Milliseconds between claims when idle; push wake-ups (where the backend has them) come sooner. @defaultValue 1000 */
  pollingIntervalMs?: number;
  /**
   * Most jobs claimed per round trip (fewer when fewer workers are free). Without a local queue a claim never takes
   * more jobs than it can start at once, so this cap only matters when many slots are free together: at 100 a server
   * of 50 workers fills them in one round trip rather than five. @defaultValue 100
   */
  fetchBatchSize?: number;
  /**
   * Claimed-but-not-started jobs this server may hold on top of its running ones (graphile-worker's local queue).
   * With 0 each claim takes at most min(fetchBatchSize, free slots); above 0 a claim may take up to
   * min(fetchBatchSize, free slots + localQueueSize - waiting), and a freed slot starts the next waiting job (in
   * claim order) without a round trip. Claims refill it in full batches: the next one goes out once there is room for
   * min(fetchBatchSize, localQueueSize) jobs, so a size above fetchBatchSize claims ahead while jobs still wait; when
   * a second full batch fits too, the two claims go out side by side and their jobs start in claim order. Waiting jobs
   * keep their leases renewed, `stop()` hands them back at once with the attempt refunded, and a cancel drops them.
   * The trade-off: they are invisible to other servers while they wait, and a crash spends their attempt (the
   * dead-server reclaim keeps it, as for running jobs), so size it for throughput on short jobs, not for long ones.
   * @defaultValue 0
   */
  localQueueSize?: number;
  /** Milliseconds a job may run before its signal aborts and the attempt fails; a job's `timeoutMs` wins. @defaultValue 300000 */
  jobTimeoutMs?: number;
  /** Milliseconds `stop()` waits for running handlers before handing their jobs back. @defaultValue 30000 */
  shutdownTimeoutMs?: number;
  /** Run the scheduler that promotes due scheduled and retrying jobs. @defaultValue true */
  enableScheduler?: boolean;
  /** Milliseconds between the scheduler's passes. @defaultValue 1000 */
  schedulerPollIntervalMs?: number;
  /**
   * Milliseconds a claim holds its job; renewed every leaseMs/3 while the handler runs (every `pollingIntervalMs` if
   * sooner on a store shared by processes without cross-process push, so a cancel from elsewhere arrives in time).
   * @defaultValue 30000
   */
  leaseMs?: number;
  /** Run the recurring (cron) poller. @defaultValue true */
  enableRecurring?: boolean;
  /** Milliseconds between the recurring poller's passes. @defaultValue 1000 */
  recurringPollIntervalMs?: number;
  /** Run the sweep that purges finished jobs past their `expiresAt`. @defaultValue true */
  enableCleanup?: boolean;
  /** Milliseconds between cleanup passes. @defaultValue 60000 */
  cleanupIntervalMs?: number;
  /**
   * Milliseconds a succeeded job is kept, at most 31557600000000 (1,000 years); 0 deletes it in the write that
   * finishes it. @defaultValue 86400000 (1 day)
   */
  succeededTtlMs?: number;
  /** Milliseconds a failed job is kept, at most 31557600000000 (1,000 years). @defaultValue 604800000 (7 days) */
  failedTtlMs?: number;
  /**
   * Register this server, beat, and reclaim the jobs of peers that went silent. The expired-lease sweep runs either
   * way. @defaultValue true
   */
  enableHeartbeat?: boolean;
  /**
   * Milliseconds between heartbeats (each also reclaims dead peers); the expired-lease sweep runs at the same pace on
   * its own. @defaultValue 5000
   */
  heartbeatIntervalMs?: number;
  /** Milliseconds of silence after which a peer is dead; must exceed heartbeatIntervalMs. @defaultValue 30000 */
  deadServerTimeoutMs?: number;
  /** When to retry a failed attempt. @defaultValue exponential: 1 s, x2, capped at 15 min, ±25 % jitter */
  retryPolicy?: RetryPolicy;
  /** Where the server logs. @defaultValue consoleLogger() (info and above) */
  logger?: Logger;
  /**
   * While started, handle SIGTERM and SIGINT: the first stops every such server gracefully (as `stop()` does), then
   * exits the process unless the app listens to that signal itself; a second exits at once (code 128 + the signal's
   * number). Servers in one process share one handler. Turn off to handle signals yourself. @defaultValue true
   */
  handleSignals?: boolean;
}

/**
 * The server's internal knobs: measured defaults, not options (ServerConfig does not take them, and a config naming one
 * is refused as unknown). Each part gets its own through its config slice, so a test may build a part with others.
 */
export interface ServerTuning {
  /** Most rows per sweep call (promotion, expired-lease requeue, purge); a full batch is followed by another. */
  readonly sweepBatchSize: number;
  /** Milliseconds between full purge batches (jittered), so a large purge does not monopolize storage. */
  readonly cleanupBatchPauseMs: number;
  /** Milliseconds of lateness beyond one poll interval that still count as on time for misfire 'skip'. */
  readonly misfireToleranceMs: number;
  /** Milliseconds beyond shutdownTimeoutMs that stop() gives storage to take the last writes and the loops to end. */
  readonly stopMarginMs: number;
  /**
   * Claims a dispatcher pass may send at once. With a local queue holding room for two batches, two claims run side by
   * side: a claim's round trip is mostly the store's own work, so a second one keeps the store busy while the first
   * one's jobs are read, instead of leaving it idle between back-to-back claims.
   */
  readonly maxClaimsPerPass: number;
  /** Most outcomes (or hand-backs) in one storage call; the rest wait for the next call. */
  readonly maxWriteBatch: number;
  /**
   * The least write-behind bound a server gets (pending-outcomes.ts). A finish costs a round trip however few outcomes
   * it carries, so a small server (10 workers: a bound of 20) would write one claim's outcomes per call and hold its
   * slots while each write's commit is flushed; with room for a hundred, writes carry what settled during the last
   * one (a default Postgres drain: about a quarter faster, a third less PostgreSQL time per job).
   */
  readonly minPendingOutcomes: number;
  /** Backoff after failed loop passes: initialMs, doubling per consecutive failure, capped at maxMs, ±jitter. */
  readonly loopBackoff: Readonly<BackoffSchedule>;
  /** Milliseconds: known due times are grouped into buckets this wide, so a burst of retries costs a few entries. */
  readonly dueBucketMs: number;
  /**
   * Milliseconds between expired-lease sweeps: heartbeatIntervalMs, the pace the sweep kept while every beat ran it
   * (it is its own loop now, so it runs whether or not heartbeats do).
   */
  readonly leaseSweepIntervalMs: number;
}

/** Every fixed ServerTuning default; leaseSweepIntervalMs follows heartbeatIntervalMs (resolveServerConfig). */
export const DEFAULT_TUNING = Object.freeze({
  sweepBatchSize: 1000,
  cleanupBatchPauseMs: 100,
  misfireToleranceMs: 1000,
  stopMarginMs: 5000,
  maxClaimsPerPass: 2,
  maxWriteBatch: 1000,
  minPendingOutcomes: 100,
  loopBackoff: Object.freeze({ initialMs: 1000, maxMs: 30_000, jitter: 0.25 }),
  dueBucketMs: 10,
}) satisfies Omit<ServerTuning, 'leaseSweepIntervalMs'>;

/** A checked, complete, frozen config, with the internal tuning the server runs with. */
export type ResolvedServerConfig = Readonly<Required<ServerConfig>> & { readonly tuning: ServerTuning };

/** Every ServerConfig default, in one frozen object. */
export const DEFAULT_SERVER_CONFIG = Object.freeze({
  serverName: 'jobsmith',
  workerCount: 10,
  queues: Object.freeze(['default']),
  pollingIntervalMs: 1000,
  fetchBatchSize: 100,
  localQueueSize: 0,
  jobTimeoutMs: 300_000,
  shutdownTimeoutMs: 30_000,
  enableScheduler: true,
  schedulerPollIntervalMs: 1000,
  leaseMs: 30_000,
  enableRecurring: true,
  recurringPollIntervalMs: 1000,
  enableCleanup: true,
  cleanupIntervalMs: 60_000,
  succeededTtlMs: 86_400_000,
  failedTtlMs: 604_800_000,
  enableHeartbeat: true,
  heartbeatIntervalMs: 5000,
  deadServerTimeoutMs: 30_000,
  retryPolicy: DEFAULT_RETRY_POLICY,
  logger: consoleLogger(),
  handleSignals: true,
}) satisfies Required<ServerConfig>;

type Key = keyof ServerConfig;
type IntegerRule = { min: number; max: number };

/** Integer options and their bounds. Timer periods stay within setTimeout's int32 range. */
const INTEGER_RULES: Partial<Record<Key, IntegerRule>> = {
  workerCount: { min: 0, max: 10_000 },
  fetchBatchSize: { min: 1, max: 10_000 },
  localQueueSize: { min: 0, max: 100_000 },
  pollingIntervalMs: { min: 1, max: INT32_MAX },
  jobTimeoutMs: { min: 1, max: INT32_MAX },
  shutdownTimeoutMs: { min: 0, max: INT32_MAX },
  schedulerPollIntervalMs: { min: 1, max: INT32_MAX },
  leaseMs: { min: 3, max: INT32_MAX },
  recurringPollIntervalMs: { min: 1, max: INT32_MAX },
  cleanupIntervalMs: { min: 1, max: INT32_MAX },
  // A TTL's expiresAt must be a date every store holds (validation.ts MAX_INSTANT_MS).
  succeededTtlMs: { min: 0, max: MAX_DURATION_MS },
  failedTtlMs: { min: 0, max: MAX_DURATION_MS },
  heartbeatIntervalMs: { min: 1, max: INT32_MAX },
  deadServerTimeoutMs: { min: 1, max: INT32_MAX },
};

const BOOLEAN_KEYS: readonly Key[] = [
  'enableScheduler',
  'enableRecurring',
  'enableCleanup',
  'enableHeartbeat',
  'handleSignals',
];
const KNOWN_KEYS: ReadonlySet<string> = new Set(Object.keys(DEFAULT_SERVER_CONFIG));
const QUEUE_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
const SERVER_NAME_PATTERN = /^[\x21-\x22\x24-\x7e]{1,128}$/;
const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;

/** Checks `input`, fills in defaults and returns a frozen config; ConfigError (naming the field) on bad input. */
export function resolveServerConfig(input: ServerConfig = {}): ResolvedServerConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigError('config', 'must be an object', input);
  }
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) throw new ConfigError(key, 'is not a known option');
  }
  const defined = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  const config = { ...DEFAULT_SERVER_CONFIG, ...defined } as Required<ServerConfig>;
  for (const [key, rule] of Object.entries(INTEGER_RULES)) checkInteger(key, config[key as Key], rule!);
  for (const key of BOOLEAN_KEYS) {
    if (typeof config[key] !== 'boolean') throw new ConfigError(key, 'must be true or false', config[key]);
  }
  if (config.deadServerTimeoutMs <= config.heartbeatIntervalMs) {
    throw new ConfigError(
      'deadServerTimeoutMs',
      `must be greater than heartbeatIntervalMs (${config.heartbeatIntervalMs})`,
      config.deadServerTimeoutMs,
    );
  }
  if (typeof config.serverName !== 'string' || !SERVER_NAME_PATTERN.test(config.serverName)) {
    throw new ConfigError('serverName', 'must be 1 to 128 printable characters without spaces or #', config.serverName);
  }
  checkLogger(config.logger);
  return Object.freeze({
    ...config,
    queues: checkQueues(config.queues),
    retryPolicy: checkRetryPolicy(config.retryPolicy),
    tuning: Object.freeze({ ...DEFAULT_TUNING, leaseSweepIntervalMs: config.heartbeatIntervalMs }),
  });
}

/**
 * Fails fast when `config` asks for something `capabilities` cannot give. No option depends on a capability today;
 * a new one adds its rule here (e.g. `if (config.x && !capabilities.y) throw new ConfigError('x', ...)`).
 */
export function checkCapabilities(_config: ResolvedServerConfig, _capabilities: StorageCapabilities): void {}

function checkInteger(field: string, value: unknown, rule: IntegerRule): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ConfigError(field, 'must be an integer', value);
  }
  if (value < rule.min || value > rule.max) {
    throw new ConfigError(field, `must be between ${rule.min} and ${rule.max}`, value);
  }
}

function checkQueues(queues: unknown): readonly string[] {
  if (!Array.isArray(queues)) throw new ConfigError('queues', 'must be an array of queue names', queues);
  const seen = new Set<string>();
  queues.forEach((queue: unknown, i) => {
    if (typeof queue !== 'string' || !QUEUE_PATTERN.test(queue)) {
      throw new ConfigError(`queues[${i}]`, 'must be 1 to 128 characters of A-Z a-z 0-9 _ . : -', queue);
    }
    if (seen.has(queue)) throw new ConfigError(`queues[${i}]`, 'is listed twice', queue);
    seen.add(queue);
  });
  return Object.freeze([...seen]);
}

function checkLogger(logger: unknown): void {
  if (logger === null || typeof logger !== 'object') {
    throw new ConfigError('logger', 'must be an object with debug, info, warn and error methods', logger);
  }
  for (const method of LOGGER_METHODS) {
    if (typeof (logger as Record<string, unknown>)[method] !== 'function') {
      throw new ConfigError(`logger.${method}`, 'must be a function');
    }
  }
}
