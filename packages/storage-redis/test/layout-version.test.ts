// layout-version.test.ts: migrate stamps the key layout version, upgrades data written by an older layout in place
// and refuses data written by a newer one, naming the prefix, without touching it.
import { ManualClock, StorageError } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyLayout } from '../src/keys.js';
import { RedisStorage } from '../src/storage.js';
import { connectStorage, dropPrefix, REDIS_URL, rawClient, testPrefix } from './harness.js';

let prefix: string;
let raw: Redis;
const opened: RedisStorage[] = [];

beforeEach(() => {
  prefix = testPrefix();
  raw = rawClient();
});

afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
  raw.disconnect();
  await dropPrefix(prefix);
});

async function open(): Promise<RedisStorage> {
  const storage = await connectStorage(new ManualClock(), prefix);
  opened.push(storage);
  return storage;
}

describe('key layout version', () => {
  it('stamps layout 2 on a new prefix', async () => {
    await open();
    expect(await raw.hget(keyLayout(prefix).meta, 'version')).toBe('2');
  });

  it("upgrades layout 1 by dropping its enqueued and processing sets, keeping every job and the other states' sets", async () => {
    const keys = keyLayout(prefix);
    const first = await open();
    const job = makeNewJob({}, new Date());
    await first.enqueue({ jobs: [job] });
    await first.close();
    opened.length = 0;
    // What layout 1 left: its version and the two sets layout 2 no longer keeps.
    await raw.hset(keys.meta, 'version', '1');
    await raw.zadd(`${keys.statePrefix}enqueued`, 0, job.id);
    await raw.zadd(`${keys.statePrefix}processing`, 0, 'stale-id');
    await raw.zadd(`${keys.statePrefix}succeeded`, 0, 'kept-id');

    const storage = await open();

    expect(await raw.hget(keys.meta, 'version')).toBe('2');
    expect(await raw.exists(`${keys.statePrefix}enqueued`, `${keys.statePrefix}processing`)).toBe(0);
    expect(await raw.zrange(`${keys.statePrefix}succeeded`, 0, -1)).toEqual(['kept-id']);
    expect((await storage.list({ state: 'enqueued', limit: 10, offset: 0 })).map((listed) => listed.id)).toEqual([
      job.id,
    ]);
  });

  it("reads a recurring definition stored before overlap existed as 'allow', so layout 2 still holds", async () => {
    const storage = await open();
    const now = new Date();
    await storage.upsertRecurring({
      id: 'old',
      cron: '* * * * *',
      timezone: 'UTC',
      method: 'tick',
      payload: '{}',
      queue: 'default',
      priority: 0,
      maxAttempts: 5,
      timeoutMs: null,
      metadata: {},
      misfire: 'once',
      overlap: 'skip',
      nextRunAt: now,
      lastRunAt: null,
      createdAt: now,
      updatedAt: now,
    });
    // What an earlier version wrote: the same hash without the overlap field.
    await raw.hdel(`${keyLayout(prefix).recurringPrefix}old`, 'overlap');
    expect(await storage.listRecurring()).toEqual([expect.objectContaining({ id: 'old', overlap: 'allow' })]);
    expect(await raw.hget(keyLayout(prefix).meta, 'version')).toBe('2');
  });

  it('refuses a prefix written by a newer layout, naming it, and leaves its data as it was', async () => {
    const keys = keyLayout(prefix);
    await raw.hset(keys.meta, 'version', '3');
    const storage = new RedisStorage({ url: REDIS_URL, prefix });
    opened.push(storage);

    const failure = await storage.migrate().catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(StorageError);
    expect((failure as Error).message).toContain(`prefix ${prefix} holds key layout 3`);
    expect(await raw.hget(keys.meta, 'version')).toBe('3');
  });
});
