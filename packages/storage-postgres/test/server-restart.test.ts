// server-restart.test.ts: a running server process survives a PostgreSQL restart as its connections see one: every
// connection terminated (pg_terminate_backend) and new ones refused for a moment. It reports the failures on `error`,
// reconnects, and runs the jobs enqueued afterwards; nothing is left `processing`. Real time: the connections and the
// process are real, and every wait ends at the event it waits for.
import type { EnqueueItem } from '@jobsmith/core';
import { type ServerIntegrationHarness, TEST_METHODS, useServerIntegrationContext } from '@jobsmith/core/testing';
import { expect, it } from 'vitest';
import type { PostgresStorage } from '../src/index.js';
import { adminQuery } from './helpers.js';
import { postgresServerHarness } from './server-harness.js';

/**
 * The server children log in as a role of their own (named after the schema), so the test can refuse their new
 * connections with NOLOGIN, as a restarting server refuses everyone's, without touching any other connection. Plain
 * termination alone is not enough: the pool replaces an idle connection before any query notices it was gone.
 */
const restartHarness: ServerIntegrationHarness<PostgresStorage> = {
  name: postgresServerHarness.name,
  async create() {
    const store = await postgresServerHarness.create();
    const role = store.storage.schema;
    await adminQuery(`CREATE ROLE "${role}" LOGIN SUPERUSER`);
    const url = new URL(String(store.childStorage.options['connectionString']));
    url.username = role;
    url.password = '';
    store.childStorage.options['connectionString'] = url.toString();
    return store;
  },
  async destroy(store) {
    try {
      await postgresServerHarness.destroy(store);
    } finally {
      await adminQuery(`DROP ROLE IF EXISTS "${store.storage.schema}"`);
    }
  },
};

const ctx = useServerIntegrationContext(restartHarness);

/**
 * Terminates every connection of `role` and returns their pids. Two statements on purpose: in one, PostgreSQL may
 * call pg_terminate_backend before testing the role, and end everyone's connections.
 */
async function terminateConnections(role: string): Promise<number[]> {
  const { rows } = await adminQuery<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE usename = $1', [role]);
  const pids = rows.map((row) => row.pid);
  await adminQuery('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
  return pids;
}

const slowJobs = (count: number): EnqueueItem[] =>
  Array.from({ length: count }, () => ({ method: TEST_METHODS.slow, payload: { ms: 20 } }));

it('reports the lost connections, reconnects and runs the jobs enqueued afterwards', { timeout: 60_000 }, async () => {
  const { processes, client, storage } = ctx;
  const role = storage.schema;
  const server = await processes.start('a', {
    workerCount: 8,
    pollingIntervalMs: 1_000,
    heartbeatIntervalMs: 100,
    deadServerTimeoutMs: 5_000,
    leaseMs: 2_000,
  });
  const before = await client.enqueueMany(slowJobs(200));
  await processes.waitUntil(() => server.records.length > 0, 'the server to run jobs');

  await adminQuery(`ALTER ROLE "${role}" NOLOGIN`);
  try {
    // The pool, its LISTEN connection and whatever query was in flight: at least the pool's one plus the listener.
    expect((await terminateConnections(role)).length).toBeGreaterThanOrEqual(2);
    await processes.waitUntil(() => server.errors.length > 0, 'the server to report the outage on `error`');
  } finally {
    await adminQuery(`ALTER ROLE "${role}" LOGIN`);
  }

  const after = await client.enqueueMany(slowJobs(20));
  await processes.waitUntil(
    () => after.every((id) => server.reached(id, 'succeeded')),
    'the jobs enqueued after the outage to succeed',
  );
  const total = before.length + after.length;
  await processes.waitUntil(() => server.movesInto('succeeded') >= total, 'every job to succeed');
  expect(server.exit).toBeNull();
  expect((await storage.counts()).byState).toMatchObject({ succeeded: total, processing: 0, enqueued: 0 });
});
