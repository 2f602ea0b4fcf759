// fault-harness.ts (test only): the fault suite's harness on PostgreSQL: a private cluster (private-postgres.ts)
// started for the file, so the suite may restart it without touching the shared server other test files use; each
// test a fresh schema on it. Children reach it through the suite's proxy, with short query and connect timeouts so a
// stalled call fails in about a second instead of ten.
import { fileURLToPath } from 'node:url';
import type { FaultHarness, StoreAddress } from '@jobsmith/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { PostgresStorage } from '../src/index.js';
import { freshSchemaName } from './helpers.js';
import { PrivatePostgres } from './private-postgres.js';

const FACTORY = fileURLToPath(new URL('./server-storage.ts', import.meta.url));
/** Connections per child pool: enough for 4 workers' batched writes beside the loops. */
const CHILD_POOL_SIZE = 4;
/** Each child statement's bound, in ms: a stalled call fails after it. */
const CHILD_QUERY_TIMEOUT_MS = 1_000;
/** Each child connect's bound, in ms. */
const CHILD_CONNECTION_TIMEOUT_MS = 2_000;
/** initdb and the first start, on a busy machine. */
const CLUSTER_START_TIMEOUT_MS = 120_000;

/**
 * The harness, over a private cluster started before the file's tests (beforeAll) and removed after them (afterAll).
 * Call it at the top level of the test file.
 */
export function postgresFaultHarness(): FaultHarness<PostgresStorage> {
  let cluster: PrivatePostgres | null = null;
  beforeAll(async () => {
    cluster = await PrivatePostgres.start();
  }, CLUSTER_START_TIMEOUT_MS);
  afterAll(async () => {
    await cluster?.stop();
  });
  const current = (): PrivatePostgres => {
    if (cluster === null) throw new Error('the private PostgreSQL cluster starts in beforeAll; use it from there on');
    return cluster;
  };

  return {
    name: 'postgres (private cluster)',
    network: { callTimeoutMs: CHILD_QUERY_TIMEOUT_MS },
    async create() {
      const { port } = current();
      const url = current().url();
      const schema = freshSchemaName();
      const storage = new PostgresStorage({ connectionString: url, schema, poolSize: CHILD_POOL_SIZE });
      await storage.migrate();
      return {
        storage,
        address: { host: '127.0.0.1', port },
        childStorage: (address?: StoreAddress) => ({
          factory: FACTORY,
          options: {
            connectionString: address === undefined ? url : urlAt(url, address),
            schema,
            poolSize: CHILD_POOL_SIZE,
            queryTimeoutMs: CHILD_QUERY_TIMEOUT_MS,
            connectionTimeoutMs: CHILD_CONNECTION_TIMEOUT_MS,
          },
        }),
      };
    },
    async destroy({ storage }) {
      await storage.close();
      await current().query(`DROP SCHEMA IF EXISTS "${storage.schema}" CASCADE`);
    },
    restartStore: () => current().restart(),
  };
}

/** `url` pointed at `address`. */
function urlAt(url: string, address: StoreAddress): string {
  const at = new URL(url);
  at.hostname = address.host;
  at.port = String(address.port);
  return at.toString();
}
