// start-fails-fast.test.ts: a server pointed at a PostgreSQL it cannot use rejects start() with a StorageError that
// names the target and says what to fix (unreachable port, missing database, missing role, a role that may not
// create the schema), and stays stopped. Against the real server: the errors are PostgreSQL's own.
import { StorageError } from '@jobsmith/core';
import { freeLoopbackPort, startServerOn } from '@jobsmith/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../src/index.js';
import { adminQuery, DATABASE_URL, dropSchema, freshSchemaName } from './helpers.js';

const NO_PRIVILEGE_ROLE = 'jobsmith_test_no_create';

/** DATABASE_URL with some parts replaced. */
function urlWith(change: { port?: number; database?: string; user?: string }): string {
  const url = new URL(DATABASE_URL);
  if (change.port !== undefined) url.port = String(change.port);
  if (change.database !== undefined) url.pathname = `/${change.database}`;
  if (change.user !== undefined) {
    url.username = change.user;
    url.password = '';
  }
  return url.toString();
}

/** Starts a server on a storage for `connectionString` (and `schema`); see startServerOn. */
function startFailure(connectionString: string, schema = freshSchemaName()) {
  return startServerOn(new PostgresStorage({ connectionString, schema, syncClock: false }));
}

describe('start() against a PostgreSQL it cannot use', () => {
  const target = new URL(DATABASE_URL);

  beforeAll(async () => {
    await adminQuery(`DROP ROLE IF EXISTS ${NO_PRIVILEGE_ROLE}`);
    await adminQuery(`CREATE ROLE ${NO_PRIVILEGE_ROLE} LOGIN`);
  });

  afterAll(async () => {
    await adminQuery(`DROP ROLE IF EXISTS ${NO_PRIVILEGE_ROLE}`);
  });

  it('names the host and port and says to check the server when nothing listens there', async () => {
    const port = await freeLoopbackPort(15_900, 15_999);
    const { error, running } = await startFailure(urlWith({ port }));
    expect(running).toBe(false);
    expect(error).toBeInstanceOf(StorageError);
    const message = (error as Error).message;
    expect(message).toContain(`cannot connect to PostgreSQL (host ${target.hostname}:${port}`);
    expect(message).toContain('ECONNREFUSED');
    expect(message).toContain(
      `Fix: check that PostgreSQL is running and accepts connections at ${target.hostname}:${port}`,
    );
  });

  it('names a database that does not exist and says to create it', async () => {
    const { error, running } = await startFailure(urlWith({ database: 'jobsmith_no_such_db' }));
    expect(running).toBe(false);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain('database "jobsmith_no_such_db" does not exist');
    expect((error as Error).message).toContain('Fix: create the database (createdb jobsmith_no_such_db)');
  });

  it('names a role that does not exist and says to check the user', async () => {
    const { error, running } = await startFailure(urlWith({ user: 'jobsmith_no_such_role' }));
    expect(running).toBe(false);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain('role "jobsmith_no_such_role" does not exist');
    expect((error as Error).message).toContain('Fix: check the user in the connection string');
  });

  it('says which grant is missing when the role may not create the schema', async () => {
    const schema = freshSchemaName();
    try {
      const { error, running } = await startFailure(urlWith({ user: NO_PRIVILEGE_ROLE }), schema);
      expect(running).toBe(false);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toContain('permission denied');
      expect((error as Error).message).toContain(
        `GRANT CREATE ON DATABASE ${target.pathname.slice(1)} TO ${NO_PRIVILEGE_ROLE}`,
      );
    } finally {
      await dropSchema(schema);
    }
  });
});
