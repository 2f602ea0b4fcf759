// eviction-policy.test.ts: RedisStorage refuses a Redis whose maxmemory-policy may evict its keys (or, by option,
// warns once and carries on), on a private redis-server started with `--maxmemory-policy allkeys-lru`; a policy it
// cannot read is not checked. Real time: a real server process.
import { makeNewJob } from '@jobsmith/core/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStorage, type RedisStorageOptions } from '../src/index.js';
import { testPrefix } from './harness.js';
import { PrivateRedis } from './private-redis.js';

let redis: PrivateRedis;

beforeAll(async () => {
  redis = await PrivateRedis.start({ args: ['--maxmemory-policy', 'allkeys-lru'] });
});

afterAll(async () => {
  await redis?.stop();
});

/** Runs `body` with a storage on the private server, closed after it. */
async function withStorage(options: RedisStorageOptions, body: (storage: RedisStorage) => Promise<void>) {
  const storage = new RedisStorage({ url: redis.url, prefix: testPrefix(), ...options });
  try {
    await body(storage);
  } finally {
    await storage.close();
  }
}

/** A connection to the private server for setting it up. */
async function withAdmin(body: (admin: Redis) => Promise<void>): Promise<void> {
  const admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await body(admin);
  } finally {
    admin.disconnect();
  }
}

describe('an evicting maxmemory-policy', () => {
  it('makes migrate and every later call reject, naming the policy and how to fix it', async () => {
    await withStorage({}, async (storage) => {
      const refusal = {
        name: 'StorageError',
        operation: 'migrate',
        message: expect.stringMatching(
          /maxmemory-policy is allkeys-lru.*CONFIG SET maxmemory-policy noeviction.*redis\.conf.*evictionPolicy: 'warn'/,
        ),
      };
      await expect(storage.migrate()).rejects.toMatchObject(refusal);
      await expect(storage.enqueue({ jobs: [makeNewJob()] })).rejects.toMatchObject(refusal);
    });
  });

  it("is reported once through onError under evictionPolicy: 'warn', and the storage works", async () => {
    const warnings: Error[] = [];
    const onError = (error: Error) => warnings.push(error);
    await withStorage({ evictionPolicy: 'warn', onError }, async (storage) => {
      await storage.migrate();
      const job = makeNewJob({}, storage.clock.now());
      await storage.enqueue({ jobs: [job] });
      await storage.migrate();
      expect((await storage.get(job.id))?.state).toBe('enqueued');
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ name: 'StorageError', message: expect.stringContaining('allkeys-lru') });
  });

  it('is not checked when INFO is refused (an ACL without it): an unknown policy does not stop a start', async () => {
    const user = `no-info-${process.pid}`;
    await withAdmin((admin) => admin.acl('SETUSER', user, 'on', '>pw', '~*', '&*', '+@all', '-info').then(() => {}));
    const warnings: Error[] = [];
    const url = `redis://${user}:pw@127.0.0.1:${redis.port}`;
    const storage = new RedisStorage({ url, prefix: testPrefix(), onError: (error) => warnings.push(error) });
    try {
      await storage.migrate();
      expect(warnings).toEqual([]);
    } finally {
      await storage.close();
      await withAdmin((admin) => admin.acl('DELUSER', user).then(() => {}));
    }
  });
});

describe('noeviction', () => {
  it('lets migrate resolve without a word once the policy is fixed as the message says', async () => {
    await withAdmin((admin) => admin.config('SET', 'maxmemory-policy', 'noeviction').then(() => {}));
    const warnings: Error[] = [];
    await withStorage({ onError: (error) => warnings.push(error) }, (storage) => storage.migrate());
    expect(warnings).toEqual([]);
  });
});
