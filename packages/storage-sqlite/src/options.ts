// options.ts: SqliteStorage's options, checked once at construction. Nothing else reads the raw input; a bad option
// is a ConfigError naming the field before any file is touched.
import { type Clock, ConfigError, systemClock } from '@jobsmith/core';
import type Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS } from './connection.js';

/** How to build a SqliteStorage: give exactly one of `filename` or `database`. */
export interface SqliteStorageOptions {
  /**
   * Path of the database file (created if missing), or `':memory:'` for a private in-memory database that lives as
   * long as this storage. The storage owns the connection: it turns on WAL, and `close()` closes it.
   */
  filename?: string;
  /**
   * An app-owned better-sqlite3 `Database`. Jobs then share the app's file, `enqueueSync` and `enqueue({ tx })` join
   * the app's own `db.transaction(...)`, and `close()` leaves the connection open. Its pragmas stay the app's (WAL is
   * recommended when several processes share the file), except that each async call runs with busy_timeout 0 (see
   * `busyTimeoutMs`) and puts the app's value back after.
   */
  database?: Database.Database;
  /**
   * Prefix of every table and index name: a letter or `_`, then letters, digits or `_` (at most 40 characters).
   * @defaultValue 'jobsmith_'
   */
  tablePrefix?: string;
  /** Where time comes from; the server shares it. @defaultValue systemClock */
  clock?: Clock;
  /**
   * Longest an async call waits, in ms, for a write lock another connection or process holds before it rejects with
   * a StorageError naming the operation; 0 fails at once. The wait never blocks the event loop: the call retries
   * after pauses of 1 ms doubling to 50 ms (real time, whatever `clock` is). `enqueueSync`, which cannot wait
   * asynchronously, instead blocks for at most 100 ms (on a storage-owned connection; an app-owned Database uses the
   * app's busy_timeout).
   * @defaultValue 5000
   */
  busyTimeoutMs?: number;
}

/** Where the connection comes from. */
export type SqliteSource = { kind: 'file'; filename: string } | { kind: 'app'; database: Database.Database };

export interface ResolvedSqliteOptions {
  readonly source: SqliteSource;
  readonly tablePrefix: string;
  readonly clock: Clock;
  readonly busyTimeoutMs: number;
}

/** Defaults of every optional field that has a plain value. */
export const DEFAULT_SQLITE_OPTIONS = Object.freeze({
  tablePrefix: 'jobsmith_',
  busyTimeoutMs: BUSY_TIMEOUT_MS,
} satisfies Required<Pick<SqliteStorageOptions, 'tablePrefix' | 'busyTimeoutMs'>>);

const TABLE_PREFIX_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;
const KNOWN_KEYS: readonly string[] = ['filename', 'database', 'tablePrefix', 'clock', 'busyTimeoutMs'];

/** Checks every option and fills the defaults. */
export function resolveSqliteOptions(input: SqliteStorageOptions): ResolvedSqliteOptions {
  if (input === null || typeof input !== 'object') throw new ConfigError('options', 'must be an object', input);
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.includes(key)) throw new ConfigError(key, 'is not a SqliteStorage option');
  }
  return {
    source: resolveSource(input),
    tablePrefix: resolveTablePrefix(input.tablePrefix),
    clock: resolveClock(input.clock),
    busyTimeoutMs: resolveBusyTimeoutMs(input.busyTimeoutMs),
  };
}

function resolveSource(input: SqliteStorageOptions): SqliteSource {
  const { filename, database } = input;
  if (filename !== undefined && database !== undefined) {
    throw new ConfigError('filename', 'and database are exclusive: give one');
  }
  if (database !== undefined) {
    // Duck-typed rather than instanceof: the app may load its own copy of better-sqlite3.
    const candidate = database as Partial<Database.Database> | null;
    if (typeof candidate?.prepare !== 'function' || typeof candidate.transaction !== 'function') {
      throw new ConfigError('database', 'must be a better-sqlite3 Database', database);
    }
    if (!database.open) throw new ConfigError('database', 'must be an open Database');
    return { kind: 'app', database };
  }
  if (typeof filename !== 'string' || filename.length === 0) {
    throw new ConfigError('filename', "must be a file path or ':memory:' (or give database)", filename);
  }
  return { kind: 'file', filename };
}

function resolveTablePrefix(prefix: unknown): string {
  if (prefix === undefined) return DEFAULT_SQLITE_OPTIONS.tablePrefix;
  if (typeof prefix !== 'string' || !TABLE_PREFIX_PATTERN.test(prefix)) {
    throw new ConfigError(
      'tablePrefix',
      'must be a letter or _, then letters, digits or _ (at most 40 characters)',
      prefix,
    );
  }
  return prefix;
}

function resolveClock(clock: unknown): Clock {
  if (clock === undefined) return systemClock;
  const candidate = clock as Partial<Clock> | null;
  if (typeof candidate?.now !== 'function' || typeof candidate.sleep !== 'function') {
    throw new ConfigError('clock', 'must have now() and sleep()', clock);
  }
  return clock as Clock;
}

function resolveBusyTimeoutMs(busyTimeoutMs: unknown): number {
  if (busyTimeoutMs === undefined) return DEFAULT_SQLITE_OPTIONS.busyTimeoutMs;
  if (!Number.isSafeInteger(busyTimeoutMs) || (busyTimeoutMs as number) < 0) {
    throw new ConfigError('busyTimeoutMs', 'must be an integer >= 0 (ms)', busyTimeoutMs);
  }
  return busyTimeoutMs as number;
}
