// server-harness.ts (test only): the server integration harness: each test a fresh key prefix on REDIS_URL (its keys
// removed after); server children open the same prefix over their own connections.
import { fileURLToPath } from 'node:url';
import type { ServerIntegrationHarness } from '@jobsmith/core/testing';
import type { RedisStorage } from '../src/index.js';
import { connectStorage, dropPrefix, REDIS_URL, testPrefix } from './harness.js';

/** The factory module server children load (StorageSpec.factory). */
export const REDIS_STORAGE_FACTORY = fileURLToPath(new URL('./server-storage.ts', import.meta.url));

/** Fresh key prefix per test; fails, saying how to start Redis, when it cannot be reached. */
export const redisServerHarness: ServerIntegrationHarness<RedisStorage> = {
  name: 'redis',
  async create() {
    const prefix = testPrefix();
    const storage = await connectStorage(undefined, prefix);
    return { storage, childStorage: { factory: REDIS_STORAGE_FACTORY, options: { url: REDIS_URL, prefix } } };
  },
  async destroy({ storage }) {
    await storage.close();
    await dropPrefix(storage.prefix);
  },
};
