// options.ts: RedisStorage's options, their defaults, and the one function that checks them at construction. A bad
// option throws a ConfigError naming the field; nothing else reads the raw input.
import { type Clock, ConfigError, systemClock } from '@jobsmith/core';
import type { Cluster, Redis } from 'ioredis';

/** How to reach Redis and where to keep jobsmith's keys. Give `url` or `client`, not both. */
export interface RedisStorageOptions {
  /**
   * Redis URL (`redis://[user:password@]host:port[/db]` or `rediss://`). RedisStorage owns this connection and
   * quits it on `close()`. Used when no `client` is given.
   * @defaultValue 'redis://127.0.0.1:6379'
   */
  url?: string;
  /**
   * An app-owned ioredis `Redis` or `Cluster`. Commands run on it; `close()` leaves it open. Pub/sub wake-ups use a
   * `duplicate()` of it, which RedisStorage owns. Until it has connected, a call waits for it and rejects at its first
   * connection error. On a Cluster, all of an installation's keys share one slot, so one master serves it.
   */
  client?: Redis | Cluster;
  /**
   * Namespace of every key: 1-64 characters of A-Z a-z 0-9 _ : . - Keys are `{prefix}:...`, one Cluster slot.
   * @defaultValue 'jobsmith'
   */
  prefix?: string;
  /**
   * Where time comes from; every script receives `now` from it (corrected to Redis's time under `syncClock`).
   * @defaultValue systemClock
   */
  clock?: Clock;
  /**
   * Whether `clock` reads Redis's time: this host's clock (`clock`) plus its offset to Redis's `TIME`, measured before
   * the first call and every minute after, so a fleet whose host clocks drift still takes every time decision
   * (leases, heartbeats, delays, cron) on one clock. `capabilities.storeClock` tells whether it is on. Off by default
   * when a `clock` is given: a test's ManualClock must not be corrected.
   * @defaultValue true when no `clock` is given, false when one is
   */
  syncClock?: boolean;
  /**
   * What migrate (run lazily before the first call) does when Redis's `maxmemory-policy` is not `noeviction`: any
   * other policy lets a full Redis drop keys, jobs included, without an error. 'error' rejects with a StorageError
   * naming the policy; 'warn' reports it once through `onError` and carries on. A policy that cannot be read (INFO
   * refused) is not checked.
   * @defaultValue 'error'
   */
  evictionPolicy?: EvictionPolicyMode;
  /**
   * Longest a Redis command may go unanswered, in ms, before its call rejects with a StorageError naming the
   * operation, so a Redis that stops answering (paused, overloaded, a black-holed network) cannot hang a call, or a
   * server's `stop()` waiting on one. It bounds the commands of the connections RedisStorage opens from `url`,
   * the pub/sub one included (its commands, not its wait for messages), and with it the first connection's
   * handshake. An app-owned `client` keeps its own ioredis `commandTimeout`. A positive integer.
   * @defaultValue 10000
   */
  commandTimeoutMs?: number;
  /**
   * Receives problems no caller awaits, as warnings: an evicting `maxmemory-policy` under `evictionPolicy: 'warn'`.
   * @defaultValue process.emitWarning
   */
  onError?: (error: Error) => void;
}

/** `evictionPolicy`: how migrate treats a Redis that may evict keys. */
export type EvictionPolicyMode = 'error' | 'warn';

/** Defaults of the optional fields. */
export const DEFAULT_REDIS_STORAGE_OPTIONS = Object.freeze({
  url: 'redis://127.0.0.1:6379',
  prefix: 'jobsmith',
  clock: systemClock,
  evictionPolicy: 'error',
  commandTimeoutMs: 10_000,
  onError: reportAsWarning,
}) satisfies Required<Omit<RedisStorageOptions, 'client' | 'syncClock'>>;

/** Options after checking: exactly one of `url` / `client`. */
export interface ResolvedRedisOptions {
  url: string | null;
  client: Redis | Cluster | null;
  prefix: string;
  clock: Clock;
  syncClock: boolean;
  evictionPolicy: EvictionPolicyMode;
  commandTimeoutMs: number;
  onError: (error: Error) => void;
}

const KNOWN_KEYS = new Set([
  'url',
  'client',
  'prefix',
  'clock',
  'syncClock',
  'evictionPolicy',
  'commandTimeoutMs',
  'onError',
]);
/** The longest delay a Node timer takes. */
const MAX_TIMER_MS = 2_147_483_647;
const EVICTION_POLICY_MODES: readonly unknown[] = ['error', 'warn'];

function reportAsWarning(error: Error): void {
  process.emitWarning(error);
}
const PREFIX_PATTERN = /^[A-Za-z0-9_:.-]{1,64}$/;

/** Checks `input` and fills defaults; throws ConfigError naming the first bad field. */
export function resolveRedisOptions(input: RedisStorageOptions = {}): ResolvedRedisOptions {
  if (input === null || typeof input !== 'object') throw new ConfigError('options', 'must be an object', input);
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) throw new ConfigError(key, 'is not a RedisStorage option');
  }
  const {
    url,
    client,
    prefix = DEFAULT_REDIS_STORAGE_OPTIONS.prefix,
    clock = DEFAULT_REDIS_STORAGE_OPTIONS.clock,
    syncClock = input.clock === undefined,
    evictionPolicy = DEFAULT_REDIS_STORAGE_OPTIONS.evictionPolicy,
    commandTimeoutMs = DEFAULT_REDIS_STORAGE_OPTIONS.commandTimeoutMs,
    onError = DEFAULT_REDIS_STORAGE_OPTIONS.onError,
  } = input;
  if (url !== undefined && client !== undefined) throw new ConfigError('client', 'cannot be given together with url');
  if (client !== undefined) checkClient(client);
  if (url !== undefined) checkUrl(url);
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw new ConfigError('prefix', 'must be 1-64 characters of A-Z a-z 0-9 _ : . -', prefix);
  }
  if (clock === null || typeof clock !== 'object' || typeof clock.now !== 'function') {
    throw new ConfigError('clock', 'must be a Clock (an object with now())', clock);
  }
  if (typeof syncClock !== 'boolean') throw new ConfigError('syncClock', 'must be a boolean', syncClock);
  if (!EVICTION_POLICY_MODES.includes(evictionPolicy)) {
    throw new ConfigError('evictionPolicy', "must be 'error' or 'warn'", evictionPolicy);
  }
  if (!Number.isInteger(commandTimeoutMs) || commandTimeoutMs < 1 || commandTimeoutMs > MAX_TIMER_MS) {
    throw new ConfigError('commandTimeoutMs', `must be an integer from 1 to ${MAX_TIMER_MS}`, commandTimeoutMs);
  }
  if (typeof onError !== 'function') throw new ConfigError('onError', 'must be a function', onError);
  return {
    url: client === undefined ? (url ?? DEFAULT_REDIS_STORAGE_OPTIONS.url) : null,
    client: client ?? null,
    prefix,
    clock,
    syncClock,
    evictionPolicy,
    commandTimeoutMs,
    onError,
  };
}

function checkClient(client: unknown): void {
  const candidate = client as Partial<Redis> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    typeof candidate.evalsha !== 'function' ||
    typeof candidate.duplicate !== 'function'
  ) {
    throw new ConfigError('client', 'must be an ioredis Redis or Cluster', client);
  }
}

function checkUrl(url: unknown): void {
  if (typeof url !== 'string' || url === '') throw new ConfigError('url', 'must be a non-empty string', url);
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    // Never echo the URL back: it may hold a password.
    throw new ConfigError('url', 'is not a valid URL');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new ConfigError('url', `must use redis: or rediss: (got ${protocol})`);
  }
}
