// options.test.ts: SqliteStorage's options are checked at construction, each failure a ConfigError naming the field.
import { ConfigError, ManualClock, systemClock } from '@jobsmith/core';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TABLE_PREFIX, resolveSqliteOptions, type SqliteStorageOptions } from './options.js';

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
    });
    expect(DEFAULT_TABLE_PREFIX).toBe('jobsmith_');
  });

  it('takes an app-owned Database, a prefix and a clock', () => {
    const database = new Database(':memory:');
    const clock = new ManualClock();
    expect(resolveSqliteOptions({ database, tablePrefix: 'jobs_', clock })).toEqual({
      source: { kind: 'app', database },
      tablePrefix: 'jobs_',
      clock,
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
