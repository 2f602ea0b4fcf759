// start-fails-fast.test.ts: a server on a SQLite file it cannot open or write rejects start() with a StorageError that
// names the file and says what to fix (a missing directory, a directory it may not create files in, a read-only
// database), and stays stopped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageError } from '@jobsmith/core';
import { startServerOn } from '@jobsmith/core/testing';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStorage, type SqliteStorageOptions } from '../src/index.js';

/** Starts a server on a storage with `options`; see startServerOn. */
function startFailure(options: SqliteStorageOptions) {
  return startServerOn(new SqliteStorage(options));
}

describe('start() on a SQLite file it cannot use', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobsmith-sqlite-start-'));

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the file and says to create its directory when the directory is missing', async () => {
    const filename = join(dir, 'missing', 'jobs.db');
    const { error, running } = await startFailure({ filename });
    expect(running).toBe(false);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain(`(database ${filename})`);
    expect((error as Error).message).toContain(`Fix: create the directory ${join(dir, 'missing')}`);
  });

  it('says the directory must take new files when SQLite cannot create the file there', async () => {
    // /proc takes no new files, even for root (chmod would not stop a root test run).
    const { error, running } = await startFailure({ filename: '/proc/jobsmith-test.db' });
    expect(running).toBe(false);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain('[SQLITE_CANTOPEN] (database /proc/jobsmith-test.db)');
    expect((error as Error).message).toContain('Fix: make sure /proc exists and this process may create files in it');
  });

  it('says to open the database read-write when it is read-only', async () => {
    const filename = join(dir, 'read-only.db');
    new Database(filename).close();
    const { error, running } = await startFailure({ database: new Database(filename, { readonly: true }) });
    expect(running).toBe(false);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain('[SQLITE_READONLY]');
    expect((error as Error).message).toContain('Fix: open the database read-write');
  });
});
