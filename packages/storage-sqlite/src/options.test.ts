// options.test.ts: SqliteStorage's options are checked at construction, each failure a ConfigError naming the field,
// and each option's documented @defaultValue is the default applied.
import { readFileSync } from 'node:fs';
import { ConfigError, ManualClock, systemClock } from '@jobsmith/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SQLITE_OPTIONS, resolveSqliteOptions, type SqliteStorageOptions } from './options.js';

function configErrorOf(options: unknown): ConfigError {
  try {
    resolveSqliteOptions(options as SqliteStorageOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveSqliteOptions', () => {
  it('uses the defaults', () => {
    const resolved = resolveSqliteOptions({ filename: 'jobs.db' });
    expect(resolved).toEqual({
      source: { kind: 'file', filename: 'jobs.db' },
      tablePrefix: 'jobsmith_',
      clock: systemClock,
      busyTimeoutMs: 5_000,
    });
  });

  it('documents each default as the @defaultValue of its option', () => {
    const source = readFileSync(new URL('./options.ts', import.meta.url), 'utf8');
    const documented = Object.fromEntries(
      [...source.matchAll(/@defaultValue (.+?)(?: \*\/)?\n(?:\s*\*.*\n)*?\s+(\w+)\?:/g)].map((match) => [
        match[2],
        match[1],
      ]),
    );
    expect(documented).toEqual({
      tablePrefix: `'${DEFAULT_SQLITE_OPTIONS.tablePrefix}'`,
      clock: 'systemClock',
      busyTimeoutMs: String(DEFAULT_SQLITE_OPTIONS.busyTimeoutMs),
    });
  });

  it('takes an app-owned Database, a prefix, a clock and a busy timeout', () => {
    const database = new Database(':memory:');
    const clock = new ManualClock();
    expect(resolveSqliteOptions({ database, tablePrefix: 'jobs_', clock, busyTimeoutMs: 0 })).toEqual({
      source: { kind: 'app', database },
      tablePrefix: 'jobs_',
      clock,
      busyTimeoutMs: 0,
    });
    database.close();
  });

  it.each([
    [{}, 'filename'],
    [{ filename: '' }, 'filename'],
    [{ filename: 42 }, 'filename'],
    [{ filename: 'a.db', database: new Database(':memory:') }, 'filename'],
    [{ database: {} }, 'database'],
    [{ filename: 'a.db', tablePrefix: 'bad prefix' }, 'tablePrefix'],
    [{ filename: 'a.db', tablePrefix: 'x"; DROP TABLE y; --' }, 'tablePrefix'],
    [{ filename: 'a.db', tablePrefix: '1jobs' }, 'tablePrefix'],
    [{ filename: 'a.db', tablePrefix: 'p'.repeat(41) }, 'tablePrefix'],
    [{ filename: 'a.db', clock: { now: () => new Date() } }, 'clock'],
    [{ filename: 'a.db', busyTimeout: 1 }, 'busyTimeout'],
    [{ filename: 'a.db', busyTimeoutMs: -1 }, 'busyTimeoutMs'],
    [{ filename: 'a.db', busyTimeoutMs: 1.5 }, 'busyTimeoutMs'],
    [{ filename: 'a.db', busyTimeoutMs: '5000' }, 'busyTimeoutMs'],
    [{ filename: 'a.db', busyTimeoutMs: Number.POSITIVE_INFINITY }, 'busyTimeoutMs'],
  ])('rejects %o naming %s', (options, field) => {
    const error = configErrorOf(options);
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
  });

  it('rejects a closed Database', () => {
    const database = new Database(':memory:');
    database.close();
    expect(configErrorOf({ database }).field).toBe('database');
  });
});
