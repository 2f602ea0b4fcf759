// options.ts: PostgresStorage's options, their defaults, and the one check of them at construction. Nothing else
// reads raw options: a bad one throws a ConfigError naming the field before any connection is opened.
import { type Clock, ConfigError, systemClock } from '@jobsmith/core';
import pg from 'pg';
import { PoolCloser } from './pool-closer.js';

/** How to build a PostgresStorage. Give exactly one of `connectionString` and `pool`. */
export interface PostgresStorageOptions {
  /**
   * Where to connect, e.g. `postgres://user@127.0.0.1:5432/app`; the storage opens (and `close()` ends) its own pool.
   */
  connectionString?: string;
  /** An app-owned pool to run on instead; `close()` leaves it open. */
  pool?: pg.Pool;
  /**
   * Schema holding jobsmith's tables, created by `migrate()`. An identifier: letters, digits and `_`, not starting
   * with a digit or `pg_`, at most 58 characters (the LISTEN channel appends `_jobs`).
   * @defaultValue 'jobsmith'
   */
  schema?: string;
  /**
   * Source of `now` for every write; share it with the server (`storage.clock`). With `syncClock`, `storage.clock` is
   * this clock corrected to the database's time. @defaultValue systemClock
   */
  clock?: Clock;
  /**
   * Whether `storage.clock` reads the database's time: this clock plus its offset to `clock_timestamp()`, measured
   * before the first operation (with the migrations) and again every minute, so every server of a fleet takes leases,
   * heartbeats, due times and cron from one clock however far its host's clock is off. A failed re-measure keeps the
   * last offset and goes to `onError`. Defaults to on without a `clock` option and off with one: an injected clock
   * (a ManualClock in tests) drives time itself and must not be corrected; pass true to correct it anyway (a
   * SkewedClock standing for a host whose clock is off). Sets `capabilities.storeClock`.
   * @defaultValue `clock === undefined`
   */
  syncClock?: boolean;
  /** Most connections of the pool opened from `connectionString` (ignored with `pool`). @defaultValue 10 */
  poolSize?: number;
  /**
   * How long to wait for a connection before failing, in ms; 0 waits forever. With `pool`, the pool's own
   * `connectionTimeoutMillis` decides, and this bounds only the LISTEN connection when the pool sets none.
   * @defaultValue 10000
   */
  connectionTimeoutMs?: number;
  /**
   * Longest any statement may go unanswered, in ms, before its call rejects with a StorageError naming the operation,
   * so a store that stops answering cannot hang a call (or a server's `stop()` waiting on one). The client gives up
   * (`pg`'s `query_timeout`, which also discards the connection) and the server cancels the statement
   * (`statement_timeout`). Applies to the pool opened from `connectionString` and to the LISTEN connection; with
   * `pool`, the pool's own `query_timeout` / `statement_timeout` decide, and this bounds only the LISTEN connection
   * when the pool sets none. Migrations get at least 10 minutes per statement instead (see migrate.ts): they may
   * queue behind another process's migration or build an index over a large table. 0 waits forever.
   * @defaultValue 10000
   */
  queryTimeoutMs?: number;
  /**
   * Make each claim wait for its WAL flush, as every other write does. Off by default: a claim then commits
   * asynchronously (its own transaction only), which a default server, claiming a few jobs per round trip, drains
   * several times faster with; the finish of each job still waits for its flush, and that flush carries the claim
   * too. The cost: a crash of PostgreSQL itself (not a clean restart) within about 600 ms of a claim can undo it, and
   * its jobs run again. Turn on where that must never happen. @defaultValue false
   */
  durableClaims?: boolean;
  /**
   * Receives errors no caller awaits: the LISTEN connection dropping or failing to reconnect, a subscriber throwing,
   * an idle pooled connection failing. @defaultValue process.emitWarning
   */
  onError?: (error: Error) => void;
}

/** Defaults of every optional field that has a plain value. */
export const DEFAULT_POSTGRES_OPTIONS = Object.freeze({
  schema: 'jobsmith',
  poolSize: 10,
  connectionTimeoutMs: 10_000,
  queryTimeoutMs: 10_000,
} satisfies Required<Pick<PostgresStorageOptions, 'schema' | 'poolSize' | 'connectionTimeoutMs' | 'queryTimeoutMs'>>);

/** Options after checks and defaults. */
export interface ResolvedOptions {
  pool: pg.Pool;
  /** Ends the pool on close(); set only for a pool this storage opened (an app-owned pool stays open). */
  poolCloser: PoolCloser | null;
  /** What the LISTEN connection is built from: the pool's settings, always with a connect and a query timeout. */
  clientConfig: pg.ClientConfig;
  /** The statement timeout the pool's connections run under, in ms (0: none); migrations derive theirs from it. */
  queryTimeoutMs: number;
  schema: string;
  /** The given clock (or systemClock), before any correction. */
  clock: Clock;
  syncClock: boolean;
  durableClaims: boolean;
  onError: (error: Error) => void;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'connectionString',
  'pool',
  'schema',
  'clock',
  'syncClock',
  'durableClaims',
  'poolSize',
  'connectionTimeoutMs',
  'queryTimeoutMs',
  'onError',
]);

const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,57}$/;

/** Checks `options` and fills in defaults; throws ConfigError naming the first bad field. */
export function resolveOptions(options: PostgresStorageOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('PostgresStorageOptions', 'must be an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.has(key)) throw new ConfigError(`PostgresStorageOptions.${key}`, 'is not a known option');
  }
  const schema = checkSchema(options.schema ?? DEFAULT_POSTGRES_OPTIONS.schema);
  const clock = checkClock(options.clock ?? systemClock);
  const syncClock = checkBoolean('syncClock', options.syncClock ?? options.clock === undefined);
  const durableClaims = checkBoolean('durableClaims', options.durableClaims ?? false);
  const onError = checkOnError(options.onError ?? reportAsWarning);
  const poolSize = checkInteger('poolSize', options.poolSize ?? DEFAULT_POSTGRES_OPTIONS.poolSize, 1);
  const connectionTimeoutMs = checkInteger(
    'connectionTimeoutMs',
    options.connectionTimeoutMs ?? DEFAULT_POSTGRES_OPTIONS.connectionTimeoutMs,
    0,
  );
  const queryTimeoutMs = checkInteger(
    'queryTimeoutMs',
    options.queryTimeoutMs ?? DEFAULT_POSTGRES_OPTIONS.queryTimeoutMs,
    0,
  );
  const common = { schema, clock, syncClock, durableClaims, onError };
  if (options.pool !== undefined) {
    if (options.connectionString !== undefined) {
      throw new ConfigError('PostgresStorageOptions.pool', 'cannot be given together with connectionString');
    }
    const pool = checkPool(options.pool);
    // The app's pool keeps its settings; the LISTEN connection is the storage's own, so it never waits unbounded.
    const clientConfig: pg.ClientConfig = {
      ...pool.options,
      connectionTimeoutMillis: pool.options.connectionTimeoutMillis || connectionTimeoutMs,
      query_timeout: pool.options.query_timeout || queryTimeoutMs,
    };
    return { pool, poolCloser: null, clientConfig, queryTimeoutMs: pool.options.query_timeout || 0, ...common };
  }
  const connectionString = checkConnectionString(options.connectionString);
  const clientConfig: pg.ClientConfig = {
    connectionString,
    connectionTimeoutMillis: connectionTimeoutMs,
    // Both: the client stops waiting for an answer, and the server stops working on a statement nobody awaits.
    query_timeout: queryTimeoutMs,
    statement_timeout: queryTimeoutMs,
  };
  // allowExitOnIdle: idle pooled connections never keep the process alive; close() still ends them.
  const poolCloser = new PoolCloser();
  const pool = new pg.Pool({ ...clientConfig, stream: poolCloser.stream, max: poolSize, allowExitOnIdle: true });
  return { pool, poolCloser, clientConfig, queryTimeoutMs, ...common };
}

function checkSchema(schema: unknown): string {
  if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema)) {
    throw new ConfigError(
      'PostgresStorageOptions.schema',
      'must be an identifier of letters, digits and _ (not starting with a digit), at most 58 characters',
      schema,
    );
  }
  if (schema.toLowerCase().startsWith('pg_')) {
    throw new ConfigError('PostgresStorageOptions.schema', 'must not start with pg_ (reserved by PostgreSQL)', schema);
  }
  return schema;
}

function checkClock(clock: unknown): Clock {
  const candidate = clock as Partial<Clock> | null;
  if (typeof candidate?.now !== 'function' || typeof candidate.sleep !== 'function') {
    throw new ConfigError('PostgresStorageOptions.clock', 'must have now() and sleep()', clock);
  }
  return clock as Clock;
}

function checkOnError(onError: unknown): (error: Error) => void {
  if (typeof onError !== 'function') {
    throw new ConfigError('PostgresStorageOptions.onError', 'must be a function', onError);
  }
  return onError as (error: Error) => void;
}

function checkBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(`PostgresStorageOptions.${field}`, 'must be a boolean', value);
  return value;
}

function checkInteger(field: string, value: unknown, min: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    throw new ConfigError(`PostgresStorageOptions.${field}`, `must be an integer >= ${min}`, value);
  }
  return value as number;
}

function checkPool(pool: unknown): pg.Pool {
  const candidate = pool as Partial<pg.Pool> | null;
  if (typeof candidate?.connect !== 'function' || typeof candidate.query !== 'function' || !candidate.options) {
    throw new ConfigError('PostgresStorageOptions.pool', 'must be a pg.Pool', pool);
  }
  return pool as pg.Pool;
}

function checkConnectionString(connectionString: unknown): string {
  if (connectionString === undefined) {
    throw new ConfigError('PostgresStorageOptions.connectionString', 'is required unless pool is given');
  }
  if (typeof connectionString !== 'string' || connectionString.trim() === '') {
    // Never echo the value: it may hold a password.
    throw new ConfigError('PostgresStorageOptions.connectionString', 'must be a non-empty string');
  }
  return connectionString;
}

function reportAsWarning(error: Error): void {
  process.emitWarning(error);
}
