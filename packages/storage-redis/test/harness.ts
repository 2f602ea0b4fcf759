// harness.ts: what the Redis tests share: the server URL (REDIS_URL), a fresh key prefix per storage, the
// conformance harness, and key cleanup by SCAN of the prefix. A server that cannot be reached fails the test with
// how to start one; it never skips.
import { type ManualClock, randomId } from '@jobsmith/core';
import type { StorageHarness } from '@jobsmith/core/testing';
import { Redis } from 'ioredis';
import { allKeysPattern } from '../src/keys.js';
import { RedisStorage } from '../src/storage.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** REDIS_URL with any password masked, for messages. */
function shownUrl(): string {
  try {
    const url = new URL(REDIS_URL);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(REDIS_URL is not a valid URL)';
  }
}

const HOW_TO_START =
  'start it with `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no` ' +
  'or point REDIS_URL at a running server';

/** A prefix no other test uses. */
export function testPrefix(): string {
  return `test-${randomId()}`;
}

/** A migrated storage on `prefix`; throws, saying how to start Redis, when the server cannot be reached. */
export async function connectStorage(clock: ManualClock | undefined, prefix: string): Promise<RedisStorage> {
  const storage = new RedisStorage({ url: REDIS_URL, prefix, ...(clock ? { clock } : {}) });
  try {
    await storage.migrate();
  } catch (error) {
    await storage.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Redis at ${shownUrl()} is not reachable (${reason}): ${HOW_TO_START}`, { cause: error });
  }
  return storage;
}

/** A raw ioredis client for assertions on the stored bytes; the caller quits it. */
export function rawClient(): Redis {
  return new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
}

/** Deletes every key under `prefix`. */
export async function dropPrefix(prefix: string): Promise<void> {
  const client = rawClient();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', allKeysPattern(prefix), 'COUNT', 1000);
      if (keys.length > 0) await client.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

const peers = new WeakSet<RedisStorage>();

/** The conformance harness: each storage its own prefix; peers share it over their own connections. */
export const redisHarness: StorageHarness<RedisStorage> = {
  name: 'redis',
  create: (clock) => connectStorage(clock, testPrefix()),
  async connectPeer(storage, clock) {
    const peer = await connectStorage(clock, storage.prefix);
    peers.add(peer);
    return peer;
  },
  async destroy(storage) {
    await storage.close();
    if (!peers.has(storage)) await dropPrefix(storage.prefix);
  },
};
