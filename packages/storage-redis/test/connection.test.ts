// connection.test.ts: RedisStorage's connection rules: an unreachable server fails fast with a StorageError naming
// host and port (never the password), so does an app-owned client that cannot connect, an app-owned client stays
// open after close, a closed storage refuses work, and scripts the server forgot are loaded again.
import { ManualClock, StorageError } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { RedisStorage } from '../src/storage.js';
import { dropPrefix, REDIS_URL, rawClient, redisHarness, testPrefix } from './harness.js';

/** A local port with nothing listening on it. */
const CLOSED_URL = 'redis://reader:s3cret-pass@127.0.0.1:1';

describe('an unreachable server', () => {
  it('rejects within seconds with a StorageError naming host and port, not the password', async () => {
    const storage = new RedisStorage({ url: CLOSED_URL });
    const startedAt = performance.now();
    const attempt = storage.get('some-id');
    await expect(attempt).rejects.toBeInstanceOf(StorageError);
    await expect(attempt).rejects.toMatchObject({ operation: 'get', message: expect.stringContaining('127.0.0.1:1') });
    await expect(attempt).rejects.not.toMatchObject({ message: expect.stringContaining('s3cret') });
    expect(performance.now() - startedAt).toBeLessThan(5_000);
    await storage.close();
  });

  it('fails every call again, each naming its own operation, while the server stays down', async () => {
    const storage = new RedisStorage({ url: CLOSED_URL });
    await expect(storage.migrate()).rejects.toMatchObject({ operation: 'migrate' });
    await expect(storage.enqueue({ jobs: [makeNewJob()] })).rejects.toMatchObject({ operation: 'enqueue' });
    await storage.close();
  });
});

describe('an app-owned client', () => {
  it('runs every command and stays open after close', async () => {
    const client = new Redis(REDIS_URL);
    const prefix = testPrefix();
    try {
      const storage = new RedisStorage({ client, prefix });
      const job = makeNewJob({}, storage.clock.now());
      await storage.enqueue({ jobs: [job] });
      expect((await storage.get(job.id))?.state).toBe('enqueued');
      await storage.close();
      expect(client.status).toBe('ready');
      expect(await client.ping()).toBe('PONG');
    } finally {
      await dropPrefix(prefix);
      await client.quit();
    }
  });
});

describe('an app-owned client that cannot connect', () => {
  it('rejects within seconds with a StorageError naming host and port, instead of retrying the call', async () => {
    const client = new Redis(CLOSED_URL);
    client.on('error', () => {});
    const storage = new RedisStorage({ client });
    const startedAt = performance.now();
    try {
      await expect(storage.get('some-id')).rejects.toMatchObject({
        name: 'StorageError',
        operation: 'get',
        message: expect.stringContaining('127.0.0.1:1'),
      });
      expect(performance.now() - startedAt).toBeLessThan(5_000);
    } finally {
      await storage.close();
      client.disconnect();
    }
  });
});

describe('close', () => {
  it('makes later calls reject with a StorageError', async () => {
    const storage = new RedisStorage({ url: REDIS_URL, prefix: testPrefix() });
    await storage.close();
    await expect(storage.get('x')).rejects.toMatchObject({ name: 'StorageError', operation: 'get' });
    await storage.close();
  });
});

describe('scripts', () => {
  it('are loaded again by EVAL when the server has forgotten them (SCRIPT FLUSH, restart, failover)', async () => {
    const storage = await redisHarness.create(new ManualClock());
    const raw = rawClient();
    try {
      await storage.enqueue({ jobs: [makeNewJob({}, storage.clock.now())] });
      await raw.script('FLUSH');
      const [claimed] = await storage.fetchAndLock({ serverId: 's', queues: [], limit: 1, leaseMs: 1_000 });
      expect(claimed?.state).toBe('processing');
    } finally {
      raw.disconnect();
      await redisHarness.destroy(storage);
    }
  });
});
