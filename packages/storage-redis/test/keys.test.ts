// keys.test.ts: the key layout (keys.ts) holds: every key an installation writes is under its `{prefix}:` hash tag
// (one Cluster slot), and the indexes and counters leave nothing behind once the jobs, servers and recurring
// definitions are gone.
import { ManualClock } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyLayout } from '../src/keys.js';
import type { RedisStorage } from '../src/storage.js';
import { rawClient, redisHarness } from './harness.js';

let clock: ManualClock;
let storage: RedisStorage;

beforeEach(async () => {
  clock = new ManualClock();
  storage = await redisHarness.create(clock);
});

afterEach(async () => {
  await redisHarness.destroy(storage);
});

/** Every key in the database that mentions the storage's prefix. */
async function keysOfPrefix(): Promise<string[]> {
  const raw = rawClient();
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await raw.scan(cursor, 'MATCH', `*${storage.prefix}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys.sort();
  } finally {
    raw.disconnect();
  }
}

/** Touches every kind of key: jobs in every state, a server holding a job, a recurring definition. */
async function workload(): Promise<string[]> {
  const now = clock.now();
  const jobs = [
    makeNewJob({ uniqueKey: 'u1', queue: 'a' }, now),
    makeNewJob({ queue: 'b', maxAttempts: 1 }, now),
    makeNewJob({ queue: 'c' }, now),
    makeNewJob({ state: 'scheduled', runAt: new Date(now.getTime() + 60_000) }, now),
    makeNewJob({ queue: 'd' }, now),
  ];
  await storage.enqueue({ jobs });
  await storage.registerServer({
    id: 'srv#1',
    name: 'srv',
    hostname: 'h',
    pid: 1,
    queues: [],
    workerCount: 1,
    startedAt: now,
    lastHeartbeatAt: now,
  });
  const claimed = await storage.fetchAndLock({ serverId: 'srv#1', queues: ['a', 'b', 'c'], limit: 3, leaseMs: 1_000 });
  const [a, b, c] = ['a', 'b', 'c'].map((queue) => {
    const job = claimed.find((candidate) => candidate.queue === queue)!;
    return { id: job.id, leaseId: job.leaseId! };
  });
  await storage.finish({
    outcomes: [
      { ...a!, to: 'succeeded', result: '{}', expiresAt: new Date(now.getTime() + 1_000) },
      { ...b!, to: 'failed', error: { message: 'x' }, expiresAt: new Date(now.getTime() + 1_000) },
      { ...c!, to: 'awaiting_retry', runAt: new Date(now.getTime() + 500) },
    ],
  });
  await storage.cancel({ id: jobs[4]!.id, expiresAt: new Date(now.getTime() + 1_000) });
  await storage.upsertRecurring({
    id: 'nightly',
    cron: '0 3 * * *',
    timezone: 'UTC',
    method: 'm',
    payload: '{}',
    queue: 'default',
    priority: 0,
    maxAttempts: 1,
    timeoutMs: null,
    metadata: {},
    misfire: 'once',
    overlap: 'allow',
    nextRunAt: now,
    lastRunAt: null,
    createdAt: now,
    updatedAt: now,
  });
  return jobs.map((job) => job.id);
}

describe('key layout', () => {
  it('writes every key under the {prefix}: hash tag', async () => {
    await workload();
    const keys = await keysOfPrefix();
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) expect(key.startsWith(`{${storage.prefix}}:`), key).toBe(true);
  });

  it('leaves no key behind from listing the states kept without a state set', async () => {
    await workload();
    const before = await keysOfPrefix();
    for (const state of ['enqueued', 'processing'] as const) {
      for (const offset of [0, 1]) await storage.list({ state, limit: 1, offset });
    }
    expect(await keysOfPrefix()).toEqual(before);
  });

  it('leaves only the layout version once every job, server and definition is gone', async () => {
    const ids = await workload();
    clock.advance(2_000);
    await storage.promoteDue({ now: clock.now(), limit: 10 });
    expect(await storage.purgeExpired({ now: clock.now(), limit: 10 })).toBe(3);
    for (const id of ids) await storage.delete(id);
    await storage.deregisterServer('srv#1');
    await storage.removeRecurring('nightly');
    expect(await keysOfPrefix()).toEqual([keyLayout(storage.prefix).meta]);
    expect(await storage.counts()).toMatchObject({ byQueue: {} });
  });
});
