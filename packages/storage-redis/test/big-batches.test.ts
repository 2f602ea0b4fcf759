// big-batches.test.ts: one claim and one finish of thousands of jobs. Scripts record index writes and apply them at
// the end in slices (helpers.lua commit), so these batches cross every slice boundary; the indexes, counters and
// ready-queues SET must then hold exactly what one-job-at-a-time moves would have left.
import { ManualClock } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type KeyLayout, keyLayout } from '../src/keys.js';
import type { RedisStorage } from '../src/storage.js';
import { rawClient, redisHarness } from './harness.js';

/** Above the 4,000 arguments per command a commit sends at once, for both queues together and for the ZADDs. */
const JOBS = 5_000;
const QUEUES = ['mail', 'reports'];
const LEASE_MS = 30_000;
const DAY_MS = 86_400_000;

let clock: ManualClock;
let storage: RedisStorage;
let keys: KeyLayout;
let raw: Redis;

beforeEach(async () => {
  clock = new ManualClock();
  storage = await redisHarness.create(clock);
  keys = keyLayout(storage.prefix);
  raw = rawClient();
});

afterEach(async () => {
  raw.disconnect();
  await redisHarness.destroy(storage);
});

async function enqueueAll(): Promise<void> {
  const jobs = Array.from({ length: JOBS }, (_, i) =>
    makeNewJob({ queue: QUEUES[i % QUEUES.length] as string, priority: i % 3 }, clock.now()),
  );
  await storage.enqueue({ jobs });
}

async function indexSizes(): Promise<Record<string, number>> {
  return {
    ready: (await raw.zcard(keys.readyPrefix + 'mail')) + (await raw.zcard(keys.readyPrefix + 'reports')),
    readyQueues: await raw.scard(keys.readyQueues),
    processing: await raw.zcard(keys.processing),
    serverJobs: await raw.scard(keys.serverJobsPrefix + 'server-1'),
    expiring: await raw.zcard(keys.expiring),
    enqueuedSet: await raw.zcard(keys.statePrefix + 'enqueued'),
    processingSet: await raw.zcard(keys.statePrefix + 'processing'),
    succeededSet: await raw.zcard(keys.statePrefix + 'succeeded'),
  };
}

describe('batches of thousands', () => {
  it('claims 5,000 jobs in one fetchAndLock, each once with its own lease, and files every one', async () => {
    await enqueueAll();
    const claimed = await storage.fetchAndLock({
      serverId: 'server-1',
      queues: QUEUES,
      limit: JOBS,
      leaseMs: LEASE_MS,
    });

    expect(claimed).toHaveLength(JOBS);
    expect(new Set(claimed.map((job) => job.id)).size).toBe(JOBS);
    expect(new Set(claimed.map((job) => job.leaseId)).size).toBe(JOBS);
    expect(claimed.every((job) => job.state === 'processing' && job.attempt === 1)).toBe(true);
    const sample = claimed[JOBS - 1];
    expect(await storage.get(sample?.id ?? '')).toEqual(sample);
    expect((await storage.counts()).byState.processing).toBe(JOBS);
    expect(await indexSizes()).toEqual({
      ready: 0,
      readyQueues: 0,
      processing: JOBS,
      serverJobs: JOBS,
      expiring: 0,
      enqueuedSet: 0,
      processingSet: 0,
      succeededSet: 0,
    });
  });

  it('finishes 5,000 jobs in one call and leaves only the succeeded indexes', async () => {
    await enqueueAll();
    const claimed = await storage.fetchAndLock({
      serverId: 'server-1',
      queues: QUEUES,
      limit: JOBS,
      leaseMs: LEASE_MS,
    });
    const expiresAt = new Date(clock.now().getTime() + DAY_MS);
    const outcomes = claimed.map((job) => ({
      id: job.id,
      leaseId: job.leaseId as string,
      to: 'succeeded' as const,
      result: '{"ok":true}',
      expiresAt,
    }));

    const applied = await storage.finish({ outcomes });

    expect(applied.every((flag) => flag)).toBe(true);
    expect(applied).toHaveLength(JOBS);
    const counts = await storage.counts();
    expect(counts.byState.succeeded).toBe(JOBS);
    expect(counts.byState.processing).toBe(0);
    expect(await indexSizes()).toEqual({
      ready: 0,
      readyQueues: 0,
      processing: 0,
      serverJobs: 0,
      expiring: JOBS,
      enqueuedSet: 0,
      processingSet: 0,
      succeededSet: JOBS,
    });
    expect(await storage.finish({ outcomes: outcomes.slice(0, 3) })).toEqual([false, false, false]);
  });

  it('claims only what a partial claim took from the ready set, leaving the rest claimable in order', async () => {
    await enqueueAll();
    const first = await storage.fetchAndLock({ serverId: 'server-1', queues: QUEUES, limit: 4_321, leaseMs: LEASE_MS });
    const rest = await storage.fetchAndLock({ serverId: 'server-1', queues: QUEUES, limit: JOBS, leaseMs: LEASE_MS });

    expect(first).toHaveLength(4_321);
    expect(rest).toHaveLength(JOBS - 4_321);
    expect(new Set([...first, ...rest].map((job) => job.id)).size).toBe(JOBS);
    // Priority descending across both queues: the first claim took every job of a higher priority before any lower.
    const lowestFirst = Math.min(...first.map((job) => job.priority));
    expect(rest.every((job) => job.priority <= lowestFirst)).toBe(true);
    expect(await raw.scard(keys.readyQueues)).toBe(0);
  });
});
