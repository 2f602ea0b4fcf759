// bad-files.test.ts: a database that cannot be used fails with a StorageError naming the file: a path that cannot
// be opened, a read-only database written to, a file that is not a database; and a closed storage says it is closed.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock, StorageError } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../src/index.js';
import { makeTempDir } from './harness.js';

describe('bad database files', () => {
  let dir: string;
  const clock = new ManualClock();

  beforeEach(() => {
    dir = makeTempDir();
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects with a StorageError naming a path that cannot be opened', async () => {
    const filename = join(dir, 'missing-dir', 'jobs.db');
    const storage = new SqliteStorage({ filename, clock });
    const error = await storage.migrate().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ operation: 'migrate', message: expect.stringContaining(filename) });
    await expect(storage.get('x')).rejects.toThrow(filename);
    await storage.close();
  });

  it('rejects with a StorageError naming a file that is not a database', async () => {
    const filename = join(dir, 'corrupt.db');
    writeFileSync(filename, 'definitely not a SQLite database '.repeat(200));
    const storage = new SqliteStorage({ filename, clock });
    const error = await storage.counts().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain(filename);
    expect((error as Error).message).toMatch(/not a database/);
    await storage.close();
  });

  it('reads a read-only database but rejects writes with a StorageError naming the file', async () => {
    const filename = join(dir, 'jobs.db');
    const writer = new SqliteStorage({ filename, clock });
    const job = makeNewJob({}, clock.now());
    await writer.enqueue({ jobs: [job] });
    await writer.close();

    // Opened read-only by the app (chmod would not stop a root test runner).
    const readonly = new Database(filename, { readonly: true });
    const storage = new SqliteStorage({ database: readonly, clock });
    try {
      expect(await storage.get(job.id)).toMatchObject({ id: job.id });
      const error = await storage.enqueue({ jobs: [makeNewJob({}, clock.now())] }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ operation: 'enqueue', message: expect.stringContaining(filename) });
      expect((error as Error).message).toMatch(/readonly/);
      await expect(
        storage.fetchAndLock({ serverId: 's', queues: [], limit: 1, leaseMs: 1_000 }),
      ).rejects.toBeInstanceOf(StorageError);
    } finally {
      await storage.close();
      readonly.close();
    }
  });

  it('rejects every call after close with a StorageError saying so', async () => {
    const filename = join(dir, 'jobs.db');
    const storage = new SqliteStorage({ filename, clock });
    await storage.migrate();
    await storage.close();
    await storage.close();
    const error = await storage.counts().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toMatch(/closed/);
    expect((error as Error).message).toContain(filename);
  });
});
