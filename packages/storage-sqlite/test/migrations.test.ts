// migrations.test.ts: the schema is created by versioned migrations recorded in a table; re-running them is a
// no-op from any connection; table names follow tablePrefix, so two prefixes share one file without meeting.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYNC_BUSY_TIMEOUT_MS } from '../src/connection.js';
import { SqliteStorage } from '../src/index.js';
import { applyMigrations, LATEST_VERSION, MIGRATIONS } from '../src/migrate.js';
import { Statements } from '../src/statements.js';
import { makeTempDir } from './harness.js';

describe('migrate', () => {
  let dir: string;
  let filename: string;
  const clock = new ManualClock(Date.UTC(2030, 0, 1, 0, 0, 0, 7));

  beforeEach(() => {
    dir = makeTempDir();
    filename = join(dir, 'jobs.db');
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Reads the file through a connection of its own, as an operator would. */
  function inspect<T>(read: (db: Database.Database) => T): T {
    const db = new Database(filename, { readonly: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  }

  const schemaOf = (db: Database.Database) =>
    db.prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name").all();

  it('records each applied version with its name and the clock time', async () => {
    const storage = new SqliteStorage({ filename, clock });
    await storage.migrate();
    await storage.close();
    const rows = inspect((db) => db.prepare('SELECT * FROM jobsmith_migrations ORDER BY version').all());
    expect(rows).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: clock.now().getTime() })),
    );
    expect(rows).toContainEqual(expect.objectContaining({ version: 1, name: '0001-create-tables' }));
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
  });

  it('is a no-op when re-run, from the same or another connection', async () => {
    const first = new SqliteStorage({ filename, clock });
    const job = makeNewJob({}, clock.now());
    await first.enqueue({ jobs: [job] });
    const before = inspect(schemaOf);
    await first.migrate();
    await first.close();

    const second = new SqliteStorage({ filename, clock });
    await second.migrate();
    await second.migrate();
    expect(await second.get(job.id)).toMatchObject({ id: job.id });
    await second.close();

    expect(inspect(schemaOf)).toEqual(before);
    expect(inspect((db) => db.prepare('SELECT COUNT(*) AS n FROM jobsmith_migrations').get())).toEqual({
      n: MIGRATIONS.length,
    });
  });

  it('applies nothing on a database already at the latest version', () => {
    const db = new Database(filename);
    try {
      const statements = new Statements(db, 'jobsmith_');
      expect(applyMigrations(statements, 1)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(applyMigrations(statements, 2)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it("reads a recurring definition stored before 0002-recurring-overlap as overlap 'allow'", async () => {
    const db = new Database(filename);
    try {
      const statements = new Statements(db, 'jobsmith_');
      const [first] = MIGRATIONS;
      statements.run('migrate-create-table');
      statements.exec(first!.script);
      statements.run('migrate-record', { version: first!.version, name: first!.name, applied_at: 0 });
      db.prepare(
        `INSERT INTO jobsmith_recurring (id, cron, timezone, method, payload, queue, priority, max_attempts,
           metadata, misfire, next_run_at, created_at, updated_at)
         VALUES ('old', '* * * * *', 'UTC', 'tick', '{}', 'default', 0, 5, '{}', 'once', 60000, 0, 0)`,
      ).run();
    } finally {
      db.close();
    }
    const storage = new SqliteStorage({ filename, clock });
    expect(await storage.listRecurring()).toEqual([expect.objectContaining({ id: 'old', overlap: 'allow' })]);
    await storage.close();
  });

  it('runs on first use without an explicit migrate()', async () => {
    const storage = new SqliteStorage({ filename, clock });
    expect(await storage.counts()).toMatchObject({ byState: { enqueued: 0 } });
    await storage.close();
    expect(inspect((db) => db.prepare('SELECT MAX(version) AS v FROM jobsmith_migrations').get())).toEqual({
      v: LATEST_VERSION,
    });
  });

  it('turns on WAL and a short synchronous busy_timeout for a file it opens', async () => {
    const storage = new SqliteStorage({ filename, clock });
    expect(storage.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(storage.database.pragma('busy_timeout', { simple: true })).toBe(SYNC_BUSY_TIMEOUT_MS);
    await storage.close();
  });

  it('names every table and index after tablePrefix, so two prefixes share a file apart', async () => {
    const a = new SqliteStorage({ filename, clock, tablePrefix: 'app_a_' });
    const b = new SqliteStorage({ filename, clock, tablePrefix: 'app_b_' });
    const job = makeNewJob({}, clock.now());
    await a.enqueue({ jobs: [job] });
    expect(await b.get(job.id)).toBeNull();
    expect(await a.get(job.id)).toMatchObject({ id: job.id });
    await a.close();
    await b.close();
    const names = inspect((db) =>
      db.prepare("SELECT name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").pluck().all(),
    ) as string[];
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((name) => name.startsWith('app_a_') || name.startsWith('app_b_'))).toBe(true);
  });
});
