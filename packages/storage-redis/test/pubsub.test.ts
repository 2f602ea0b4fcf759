// pubsub.test.ts: wake-ups over Redis pub/sub between storage objects (as two processes would hold), from every
// script that makes jobs enqueued, and after the subscriber connection is killed (ioredis reconnects and
// re-subscribes by itself). Real time on purpose: the message comes back over another connection, so each wait is
// an awaited event with a bound, never a sleep.
import { ManualClock } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RedisStorage } from '../src/storage.js';
import { Ear } from './ear.js';
import { rawClient, redisHarness } from './harness.js';

let clock: ManualClock;
let producer: RedisStorage;
let consumer: RedisStorage;
let ear: Ear;
let unsubscribe: () => void;

beforeEach(async () => {
  clock = new ManualClock();
  producer = await redisHarness.create(clock);
  consumer = await redisHarness.connectPeer(producer, clock);
  ear = new Ear();
  unsubscribe = consumer.subscribe(ear.listener);
  // The SUBSCRIBE is live once a wake-up makes the round trip.
  await consumer.enqueue({ jobs: [makeNewJob({ queue: 'warm-up' }, clock.now())] });
  await ear.heard('warm-up');
});

afterEach(async () => {
  unsubscribe();
  await redisHarness.destroy(consumer);
  await redisHarness.destroy(producer);
});

async function claimOne(queue: string) {
  const [job] = await producer.fetchAndLock({ serverId: 's', queues: [queue], limit: 1, leaseMs: 1_000 });
  return { id: job!.id, leaseId: job!.leaseId! };
}

describe('subscribe', () => {
  it("wakes another storage object's listener with the queue of each enqueue", async () => {
    await producer.enqueue({ jobs: [makeNewJob({ queue: 'emails' }, clock.now())] });
    await ear.heard('emails');
  });

  it('stays silent for a job enqueued as scheduled, and wakes when promoteDue enqueues it', async () => {
    const runAt = new Date(clock.now().getTime() + 1_000);
    await producer.enqueue({ jobs: [makeNewJob({ queue: 'later', state: 'scheduled', runAt }, clock.now())] });
    await producer.enqueue({ jobs: [makeNewJob({ queue: 'marker' }, clock.now())] });
    await ear.heard('marker');
    expect(ear.queues).not.toContain('later');
    clock.advance(1_000);
    await producer.promoteDue({ now: clock.now(), limit: 10 });
    await ear.heard('later');
  });

  it('wakes on release, on a lapsed lease and on retryFailed', async () => {
    await producer.enqueue({
      jobs: ['released', 'lapsed', 'retried'].map((queue) => makeNewJob({ queue, maxAttempts: 1 }, clock.now())),
    });
    expect(await producer.release({ leases: [await claimOne('released')] })).toEqual([true]);
    await ear.heard('released');

    const lapsed = await claimOne('lapsed');
    expect(await producer.finish({ outcomes: [{ ...lapsed, to: 'awaiting_retry', runAt: clock.now() }] })).toEqual([
      true,
    ]);
    await producer.promoteDue({ now: clock.now(), limit: 10 });
    await ear.heard('lapsed');

    const retried = await claimOne('retried');
    expect(await producer.finish({ outcomes: [{ ...retried, to: 'failed', error: { message: 'x' } }] })).toEqual([
      true,
    ]);
    await producer.retryFailed(retried.id);
    await ear.heard('retried');
  });

  it('wakes when releaseLostClaims hands a lost claim back', async () => {
    await producer.enqueue({ jobs: [makeNewJob({ queue: 'lost' }, clock.now())] });
    await claimOne('lost');
    const moved = await producer.releaseLostClaims({ serverId: 's', heldLeaseIds: [] });
    expect(moved.map((m) => m.job.queue)).toEqual(['lost']);
    await ear.heard('lost');
  });

  it('hears again after its subscriber connection is killed (ioredis re-subscribes)', async () => {
    const admin = rawClient();
    try {
      const clients = (await admin.client('LIST')) as string;
      const line = clients.split('\n').find((entry) => entry.includes(`name=jobsmith:${consumer.prefix}:subscriber`));
      const id = /\bid=(\d+)/.exec(line ?? '')?.[1];
      expect(id, 'the subscriber connection is named in CLIENT LIST').toBeDefined();
      await admin.client('KILL', 'ID', id!);
    } finally {
      admin.disconnect();
    }
    // Until ioredis has reconnected and re-subscribed a publish may go unheard: enqueue until one is heard.
    await ear.heardAfterOutage('after-kill', () =>
      producer.enqueue({ jobs: [makeNewJob({ queue: 'after-kill' }, clock.now())] }),
    );
  });
});
