// migrate.test.ts: versioned migrations in a configurable schema: ten storages migrating one fresh schema at once
// apply each migration exactly once (advisory lock), a second run applies nothing, and every table lives in the
// schema given, whatever its case, so storages on two schemas never see each other's jobs.
import { ManualClock } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../src/index.js';
import { bindMigrations } from '../src/statements.js';
import { adminQuery, DATABASE_URL, dropSchema, freshSchemaName, openStorage } from './helpers.js';

interface LedgerRow {
  version: number;
  name: string;
  applied_at: Date;
}

async function ledger(schema: string): Promise<LedgerRow[]> {
  const { rows } = await adminQuery<LedgerRow>(`SELECT * FROM "${schema}".migrations ORDER BY version`);
  return rows;
}

async function tablesIn(schema: string): Promise<string[]> {
  const { rows } = await adminQuery<{ table_name: string }>(
    'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
    [schema],
  );
  return rows.map((row) => row.table_name);
}

describe('migrate', () => {
  const schemas: string[] = [];
  const storages: PostgresStorage[] = [];

  /** A storage on `schema` that is closed (and its schema dropped) after the test. */
  function storageOn(schema: string, clock = new ManualClock()): PostgresStorage {
    const storage = new PostgresStorage({ connectionString: DATABASE_URL, schema, clock, poolSize: 2 });
    storages.push(storage);
    if (!schemas.includes(schema)) schemas.push(schema);
    return storage;
  }

  afterEach(async () => {
    await Promise.all(storages.splice(0).map((storage) => storage.close()));
    for (const schema of schemas.splice(0)) await dropSchema(schema);
  });

  it('applies each migration once when ten storages migrate a fresh schema at the same time', async () => {
    const schema = freshSchemaName();
    const racers = Array.from({ length: 10 }, () => storageOn(schema));
    await Promise.all(racers.map((storage) => storage.migrate()));
    const versions = (await ledger(schema)).map((row) => row.version);
    expect(versions).toEqual(bindMigrations(schema).map((migration) => migration.version));
    expect(versions).toEqual([1, 2, 3, 4, 5]);
    expect(await tablesIn(schema)).toEqual(['jobs', 'migrations', 'recurring', 'servers']);
  });

  it('records each migration with its name and the clock time, and applies nothing on a second run', async () => {
    const schema = freshSchemaName();
    const clock = new ManualClock(Date.UTC(2030, 4, 6, 7, 8, 9, 123));
    await storageOn(schema, clock).migrate();
    const first = await ledger(schema);
    expect(first).toEqual([
      { version: 1, name: '0001-create-tables', applied_at: clock.now() },
      { version: 2, name: '0002-claim-per-queue', applied_at: clock.now() },
      { version: 3, name: '0003-drop-locked-by-index', applied_at: clock.now() },
      { version: 4, name: '0004-epoch-ms', applied_at: clock.now() },
      { version: 5, name: '0005-recurring-overlap', applied_at: clock.now() },
    ]);
    clock.advance(60_000);
    await storageOn(schema, clock).migrate();
    expect(await ledger(schema)).toEqual(first);
  });

  it("reads a recurring definition stored before 0005-recurring-overlap as overlap 'allow'", async () => {
    const schema = freshSchemaName();
    schemas.push(schema);
    const earlier = bindMigrations(schema).filter((migration) => migration.version < 5);
    await adminQuery(`CREATE SCHEMA "${schema}"`);
    await adminQuery(
      `CREATE TABLE "${schema}".migrations (version integer PRIMARY KEY, name text, applied_at timestamptz)`,
    );
    for (const migration of earlier) {
      await adminQuery(migration.text);
      await adminQuery(`INSERT INTO "${schema}".migrations VALUES ($1, $2, now())`, [
        migration.version,
        migration.name,
      ]);
    }
    await adminQuery(
      `INSERT INTO "${schema}".recurring (id, cron, timezone, method, payload, queue, priority, max_attempts, misfire,
         next_run_at, created_at, updated_at)
       VALUES ('old', '* * * * *', 'UTC', 'tick', '{}', 'default', 0, 5, 'once', now(), now(), now())`,
    );
    const storage = storageOn(schema);
    expect(await storage.listRecurring()).toEqual([expect.objectContaining({ id: 'old', overlap: 'allow' })]);
    expect((await ledger(schema)).map((row) => row.version)).toEqual([1, 2, 3, 4, 5]);
  });

  it('migrates lazily on first use', async () => {
    const schema = freshSchemaName();
    const storage = storageOn(schema);
    expect(await tablesIn(schema)).toEqual([]);
    expect(await storage.counts()).toMatchObject({ byQueue: {} });
    expect(await tablesIn(schema)).toContain('jobs');
  });

  it('keeps every table in its own schema, mixed case included, and nothing leaks between schemas', async () => {
    const mixed = `Jobsmith_Mixed_${freshSchemaName().slice(-6)}`;
    const other = freshSchemaName();
    const a = storageOn(mixed);
    const b = storageOn(other);
    const job = makeNewJob();
    await a.enqueue({ jobs: [job] });
    expect(await tablesIn(mixed)).toEqual(['jobs', 'migrations', 'recurring', 'servers']);
    expect(await b.get(job.id)).toBeNull();
    expect((await a.get(job.id))?.id).toBe(job.id);
    expect(await tablesIn(mixed.toLowerCase())).toEqual([]);
  });

  it('lets a migrated peer open the same schema', async () => {
    const schema = freshSchemaName();
    const first = await openStorage(schema);
    const second = await openStorage(schema);
    storages.push(first, second);
    schemas.push(schema);
    const job = makeNewJob();
    await first.enqueue({ jobs: [job] });
    expect((await second.get(job.id))?.id).toBe(job.id);
  });
});
