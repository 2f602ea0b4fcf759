// helpers.ts: what every PostgresStorage test shares: the server address (DATABASE_URL), a fresh schema per test
// that is dropped afterwards, and a failure that says how to start PostgreSQL when it cannot be reached (never a skip).
import { randomBytes } from 'node:crypto';
import type { Clock } from '@jobsmith/core';
import type { StorageHarness } from '@jobsmith/core/testing';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { PostgresStorage, type PostgresStorageOptions } from '../src/index.js';

export const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const START_HINT =
  'start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start ' +
  '(or point DATABASE_URL at a reachable server)';

/** A schema name no other test run uses. */
export function freshSchemaName(): string {
  return `jobsmith_test_${randomBytes(6).toString('hex')}`;
}

/** Runs `sql` on a short-lived connection of its own (admin work: drop schemas, terminate backends, seed rows). */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(
  sql: string,
  values: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${describeUrl()}: ${String(error)}; ${START_HINT}`);
  }
  try {
    return await client.query<R>(sql, values);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** A migrated storage on `schema`; fails with how to start PostgreSQL when the server cannot be reached. */
export async function openStorage(
  schema: string,
  clock?: Clock,
  options: Omit<PostgresStorageOptions, 'connectionString' | 'schema' | 'clock'> = {},
): Promise<PostgresStorage> {
  const storage = new PostgresStorage({ connectionString: DATABASE_URL, schema, poolSize: 4, ...options, clock });
  try {
    await storage.migrate();
  } catch (error) {
    await storage.close();
    throw new Error(`PostgreSQL is not usable at ${describeUrl()}: ${String(error)}; ${START_HINT}`);
  }
  return storage;
}

/**
 * A migrated storage on a fresh schema for the describe block this is called in: opened before the block's tests (and
 * before any beforeAll registered after this call), closed with its schema dropped after them.
 */
export function storageForSuite(): { schema: string; storage: () => PostgresStorage } {
  const schema = freshSchemaName();
  let opened: PostgresStorage | null = null;
  beforeAll(async () => {
    opened = await openStorage(schema);
  });
  afterAll(async () => {
    await opened?.close();
    await dropSchema(schema);
  });
  const storage = (): PostgresStorage => {
    if (opened === null)
      throw new Error(`the storage on schema ${schema} is opened in beforeAll; use it from there on`);
    return opened;
  };
  return { schema, storage };
}

/**
 * The conformance harness: `create` makes a storage on a fresh schema, `connectPeer` a second storage (own pool)
 * on the same schema, and `destroy` closes one and, for an original, drops its schema.
 */
export function postgresHarness(): StorageHarness<PostgresStorage> {
  const owned = new Set<PostgresStorage>();
  return {
    name: 'postgres',
    async create(clock) {
      const storage = await openStorage(freshSchemaName(), clock);
      owned.add(storage);
      return storage;
    },
    connectPeer: (storage, clock) => openStorage(storage.schema, clock),
    async destroy(storage) {
      await storage.close();
      if (!owned.delete(storage)) return;
      await dropSchema(storage.schema);
    },
  };
}

/** The server address without its password, for failure messages. */
function describeUrl(): string {
  return DATABASE_URL.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}
