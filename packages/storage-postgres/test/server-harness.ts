// server-harness.ts (test only): the server integration harness: each test a fresh schema (dropped after), which
// this process and every server child (each with its own pool and LISTEN connection) open on DATABASE_URL.
import { fileURLToPath } from 'node:url';
import type { ServerIntegrationHarness } from '@jobsmith/core/testing';
import type { PostgresStorage } from '../src/index.js';
import { DATABASE_URL, dropSchema, freshSchemaName, openStorage } from './helpers.js';

const FACTORY = fileURLToPath(new URL('./server-storage.ts', import.meta.url));
/** Connections per child pool: enough for 8 workers' batched writes beside the loops. */
const CHILD_POOL_SIZE = 4;

/** Fresh schema per test; fails, saying how to start PostgreSQL, when it cannot be reached. */
export const postgresServerHarness: ServerIntegrationHarness<PostgresStorage> = {
  name: 'postgres',
  async create() {
    const schema = freshSchemaName();
    const storage = await openStorage(schema);
    const options = { connectionString: DATABASE_URL, schema, poolSize: CHILD_POOL_SIZE };
    return { storage, childStorage: { factory: FACTORY, options } };
  },
  async destroy({ storage }) {
    await storage.close();
    await dropSchema(storage.schema);
  },
};
