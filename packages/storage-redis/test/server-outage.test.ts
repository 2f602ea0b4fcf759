// server-outage.test.ts: a running server process survives its Redis going away: a private redis-server is shut down
// (SHUTDOWN NOSAVE) under it and started again, empty, on the same port. The server reports the outage on `error`,
// reconnects, re-registers itself, and runs the jobs enqueued after the restart. Real time: the servers are real.
import type { EnqueueItem } from '@jobsmith/core';
import {
  eventually,
  type ServerIntegrationHarness,
  TEST_METHODS,
  useServerIntegrationContext,
} from '@jobsmith/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStorage } from '../src/index.js';
import { testPrefix } from './harness.js';
import { PrivateRedis } from './private-redis.js';
import { REDIS_STORAGE_FACTORY } from './server-harness.js';

let redis: PrivateRedis;

beforeAll(async () => {
  redis = await PrivateRedis.start();
});

afterAll(async () => {
  await redis?.stop();
});

/** Stores on the private server; their data goes with it, so destroy only closes. */
const privateHarness: ServerIntegrationHarness<RedisStorage> = {
  name: 'redis (private server)',
  async create() {
    const prefix = testPrefix();
    const storage = new RedisStorage({ url: redis.url, prefix });
    await storage.migrate();
    return { storage, childStorage: { factory: REDIS_STORAGE_FACTORY, options: { url: redis.url, prefix } } };
  },
  destroy: ({ storage }) => storage.close(),
};

const ctx = useServerIntegrationContext(privateHarness);

const recordJobs = (count: number): EnqueueItem[] =>
  Array.from({ length: count }, (_, index) => ({ method: TEST_METHODS.record, payload: { index } }));

it('reports the outage, reconnects and runs the jobs enqueued after the restart', { timeout: 60_000 }, async () => {
  const { processes, client, storage } = ctx;
  const server = await processes.start('a', {
    workerCount: 4,
    pollingIntervalMs: 1_000,
    heartbeatIntervalMs: 200,
    deadServerTimeoutMs: 2_000,
  });
  const before = await client.enqueueMany(recordJobs(5));
  await processes.waitUntil(() => before.every((id) => server.reached(id, 'succeeded')), 'the first jobs to succeed');

  await redis.shutdown();
  await processes.waitUntil(() => server.errors.length > 0, 'the server to report the outage on `error`');
  await redis.restart();

  // The restart lost every key (nothing is persisted): these jobs are the whole store now.
  const after = await client.enqueueMany(recordJobs(5));
  await processes.waitUntil(
    () => after.every((id) => server.reached(id, 'succeeded')),
    'the jobs enqueued after the restart to succeed',
  );
  expect(server.exit).toBeNull();
  expect((await storage.counts()).byState).toMatchObject({ succeeded: 5, processing: 0, enqueued: 0 });
  // Its row went with the data; the next heartbeat that finds it gone writes it again.
  await eventually(async () => {
    const ids = (await storage.listServers()).map((row) => row.id);
    return ids.includes(server.serverId ?? '') ? true : undefined;
  }, 'the server to register itself again');
});
