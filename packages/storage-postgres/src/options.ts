// options.ts: PostgresStorage's options, their defaults, and the one check of them at construction. Nothing else
// reads raw options: a bad one throws a ConfigError naming the field before any connection is opened.
import { type Clock, ConfigError, systemClock } from '@jobsmith/core';
import pg from 'pg';

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
  /** Source of `now` for every write; share it with the server. @defaultValue systemClock */
  clock?: Clock;
  /** Most connections of the pool opened from `connectionString` (ignored with `pool`). @defaultValue 10 */
  poolSize?: number;
  /**
   * How long to wait for a connection before failing, in ms (ignored with `pool`); 0 waits forever.
   * @defaultValue 10000
   */
  connectionTimeoutMs?: number;
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
} satisfies Required<Pick<PostgresStorageOptions, 'schema' | 'poolSize' | 'connectionTimeoutMs'>>);

/** Options after checks and defaults; `clientConfig` is what every connection (pooled or listener) is built from. */
export interface ResolvedOptions {
  pool: pg.Pool;
  ownsPool: boolean;
  clientConfig: pg.ClientConfig;
  schema: string;
  clock: Clock;
  onError: (error: Error) => void;
}

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  'connectionString',
  'pool',
  'schema',
  'clock',
  'poolSize',
  'connectionTimeoutMs',
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
  const onError = checkOnError(options.onError ?? reportAsWarning);
  const poolSize = checkInteger('poolSize', options.poolSize ?? DEFAULT_POSTGRES_OPTIONS.poolSize, 1);
  const connectionTimeoutMs = checkInteger(
    'connectionTimeoutMs',
    options.connectionTimeoutMs ?? DEFAULT_POSTGRES_OPTIONS.connectionTimeoutMs,
    0,
  );
  if (options.pool !== undefined) {
    if (options.connectionString !== undefined) {
      throw new ConfigError('PostgresStorageOptions.pool', 'cannot be given together with connectionString');
    }
    const pool = checkPool(options.pool);
    return { pool, ownsPool: false, clientConfig: { ...pool.options }, schema, clock, onError };
  }
  const connectionString = checkConnectionString(options.connectionString);
  const clientConfig: pg.ClientConfig = { connectionString, connectionTimeoutMillis: connectionTimeoutMs };
  // allowExitOnIdle: idle pooled connections never keep the process alive; close() still ends them.
  const pool = new pg.Pool({ ...clientConfig, max: poolSize, allowExitOnIdle: true });
  return { pool, ownsPool: true, clientConfig, schema, clock, onError };
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
