// store-clock.test.ts: RedisStorage's clock reads Redis's TIME (syncClock). Two storages on hosts whose clocks are a
// minute ahead and half a minute behind agree, after migrate, with each other and with the real time, so a job one of
// them enqueues is due on the other's clock. Real time on purpose: Redis's clock is this machine's.
import { JobClient, ManualClock, systemClock } from '@jobsmith/core';
import { SkewedClock, StoreClock } from '@jobsmith/core/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisStorage, type RedisStorageOptions } from '../src/index.js';
import { dropPrefix, REDIS_URL, testPrefix } from './harness.js';

/** How far two clocks read at once may differ: a sync is three local round trips of well under a millisecond. */
const AGREEMENT_MS = 50;

let made: RedisStorage[] = [];

afterEach(async () => {
  for (const storage of made) await storage.close();
  const prefixes = new Set(made.map((storage) => storage.prefix));
  made = [];
  for (const prefix of prefixes) await dropPrefix(prefix);
});

function storageWith(options: RedisStorageOptions): RedisStorage {
  const storage = new RedisStorage({ url: REDIS_URL, prefix: testPrefix(), ...options });
  made.push(storage);
  return storage;
}

/** A storage on `prefix` whose host clock is `skewMs` off, synced to Redis's time. */
function skewedHost(prefix: string, skewMs: number): RedisStorage {
  return storageWith({ prefix, clock: new SkewedClock(skewMs, systemClock), syncClock: true });
}

describe('syncClock', () => {
  it('makes hosts a minute ahead and half a minute behind agree with each other and with the real time', async () => {
    const prefix = testPrefix();
    const ahead = skewedHost(prefix, 60_000);
    const behind = skewedHost(prefix, -30_000);
    await Promise.all([ahead.migrate(), behind.migrate()]);

    const [aheadNow, behindNow, realNow] = [ahead.clock.now().getTime(), behind.clock.now().getTime(), Date.now()];
    expect(Math.abs(aheadNow - behindNow)).toBeLessThan(AGREEMENT_MS);
    expect(Math.abs(aheadNow - realNow)).toBeLessThan(AGREEMENT_MS);
    expect(Math.abs(behindNow - realNow)).toBeLessThan(AGREEMENT_MS);
    expect(ahead.capabilities.storeClock).toBe(true);
  });

  it("makes a job the skewed host enqueues due at once on the other host's clock", async () => {
    const prefix = testPrefix();
    const ahead = skewedHost(prefix, 60_000);
    const behind = skewedHost(prefix, -30_000);
    await behind.migrate();
    const producer = new JobClient(ahead);

    const now = await producer.enqueue('tick', {}, { delayMs: 0 });
    const [claimed] = await behind.fetchAndLock({ serverId: 'behind', queues: [], limit: 1, leaseMs: 30_000 });
    expect(claimed?.id).toBe(now);
    expect(Math.abs((claimed?.runAt.getTime() ?? 0) - behind.clock.now().getTime())).toBeLessThan(AGREEMENT_MS);

    // A delayed one is due a second later by the other host's clock, not 90 seconds later.
    const later = await producer.enqueue('tick', {}, { delayMs: 1_000 });
    const dueAt = new Date(behind.clock.now().getTime() + 1_000 + AGREEMENT_MS);
    const promoted = await behind.promoteDue({ now: dueAt, limit: 10 });
    expect(promoted.map((moved) => moved.job.id)).toEqual([later]);
  });

  it('is on without a clock option and off with one, unless asked for', async () => {
    const manual = new ManualClock();
    const byDefault = storageWith({});
    const injected = storageWith({ clock: manual });
    const corrected = storageWith({ clock: manual, syncClock: true });
    expect(byDefault.clock).toBeInstanceOf(StoreClock);
    expect(byDefault.capabilities.storeClock).toBe(true);
    expect(injected.clock).toBe(manual);
    expect(injected.capabilities.storeClock).toBe(false);
    expect(corrected.clock).toBeInstanceOf(StoreClock);
    await corrected.migrate();
    // The ManualClock stands in 2030; Redis's time is now: the correction is the difference.
    expect(Math.abs(corrected.clock.now().getTime() - Date.now())).toBeLessThan(AGREEMENT_MS);
  });
});
