// fault-harness.ts (test only): the fault suite's harness on Redis: a private redis-server that persists every write
// (private-redis.ts, persistent), started for the file so the suite may restart it without touching the shared one; each
// test a fresh key prefix on it. Children reach it through the suite's proxy, with a short command timeout so a
// stalled call fails in about a second instead of ten.
import type { FaultHarness, StoreAddress } from '@jobsmith/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { RedisStorage } from '../src/index.js';
import { testPrefix } from './harness.js';
import { PrivateRedis } from './private-redis.js';
import { REDIS_STORAGE_FACTORY } from './server-harness.js';

/** Each child command's bound, in ms: a stalled call fails after it. */
const CHILD_COMMAND_TIMEOUT_MS = 1_000;
const SERVER_START_TIMEOUT_MS = 30_000;

/**
 * The harness, over a private server started before the file's tests (beforeAll) and removed after them (afterAll).
 * Call it at the top level of the test file. A store's keys go with the server, so `destroy` only closes.
 */
export function redisFaultHarness(): FaultHarness<RedisStorage> {
  let server: PrivateRedis | null = null;
  beforeAll(async () => {
    server = await PrivateRedis.start({ persistent: true });
  }, SERVER_START_TIMEOUT_MS);
  afterAll(async () => {
    await server?.stop();
  });
  const current = (): PrivateRedis => {
    if (server === null) throw new Error('the private redis-server starts in beforeAll; use it from there on');
    return server;
  };

  return {
    name: 'redis (private server)',
    network: { callTimeoutMs: CHILD_COMMAND_TIMEOUT_MS },
    async create() {
      const { url, port } = current();
      const prefix = testPrefix();
      const storage = new RedisStorage({ url, prefix });
      await storage.migrate();
      return {
        storage,
        address: { host: '127.0.0.1', port },
        childStorage: (address?: StoreAddress) => ({
          factory: REDIS_STORAGE_FACTORY,
          options: {
            url: address === undefined ? url : `redis://${address.host}:${address.port}`,
            prefix,
            commandTimeoutMs: CHILD_COMMAND_TIMEOUT_MS,
          },
        }),
      };
    },
    destroy: ({ storage }) => storage.close(),
    async restartStore() {
      await current().shutdown();
      await current().restart();
    },
  };
}
