// store-clock.test.ts: syncClock puts every storage on the database's time. Two storages on one schema stand for
// hosts whose clocks are a minute ahead and half a minute behind (SkewedClock over the system clock); once opened,
// their clocks agree with each other and with the database (here on this host, so with Date.now()), and a job or a
// lease one of them writes is due, or live, on the other's clock as on its own.
import { systemClock } from '@jobsmith/core';
import { SkewedClock } from '@jobsmith/core/storage';
import { makeNewJob } from '@jobsmith/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { PostgresStorage } from '../src/index.js';
import { DATABASE_URL, dropSchema, freshSchemaName, openStorage } from './helpers.js';
import { createStorage } from './server-storage.js';

/** How far two clocks on store time may disagree: each offset is measured over a loopback round trip. */
const AGREEMENT_MS = 50;

describe('syncClock', () => {
  const opened: PostgresStorage[] = [];
  let schema: string;

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((storage) => storage.close()));
    await dropSchema(schema);
  });

  /** Ahead by a minute and behind by half a minute, both corrected, on one fresh schema. */
  async function skewedPair(): Promise<{ ahead: PostgresStorage; behind: PostgresStorage }> {
    schema = freshSchemaName();
    const ahead = await openStorage(schema, new SkewedClock(60_000, systemClock), { syncClock: true });
    opened.push(ahead);
    const behind = await openStorage(schema, new SkewedClock(-30_000, systemClock), { syncClock: true });
    opened.push(behind);
    return { ahead, behind };
  }

  it('puts clocks a minute ahead and half a minute behind on the database time once migrated', async () => {
    const { ahead, behind } = await skewedPair();
    const [aheadNow, behindNow, wallNow] = [ahead.clock.now().getTime(), behind.clock.now().getTime(), Date.now()];
    expect(Math.abs(aheadNow - behindNow)).toBeLessThan(AGREEMENT_MS);
    expect(Math.abs(aheadNow - wallNow)).toBeLessThan(AGREEMENT_MS);
    expect(Math.abs(behindNow - wallNow)).toBeLessThan(AGREEMENT_MS);
    expect(ahead.capabilities.storeClock).toBe(true);
  });

  it('lets one claim at once a job the other enqueued with no delay, and keeps the lease live on both clocks', async () => {
    const { ahead, behind } = await skewedPair();
    const job = makeNewJob({ queue: 'skew' }, ahead.clock.now());
    await ahead.enqueue({ jobs: [job] });

    const claimed = await behind.fetchAndLock({ serverId: 'behind', queues: ['skew'], limit: 1, leaseMs: 20_000 });

    expect(claimed.map((claimedJob) => claimedJob.id)).toEqual([job.id]);
    // Uncorrected, the lease would end 30 s before the host ahead's clock reads now, and it would take the job back.
    const lapsed = await ahead.requeueExpiredLeases({ now: ahead.clock.now(), limit: 10, failedExpiresAt: null });
    expect(lapsed).toEqual([]);
  });

  it('promotes a job one schedules a second ahead when a second has passed on the other clock', async () => {
    const { ahead, behind } = await skewedPair();
    const now = ahead.clock.now();
    const job = makeNewJob({ state: 'scheduled', runAt: new Date(now.getTime() + 1_000) }, now);
    await ahead.enqueue({ jobs: [job] });

    // A second (and the agreement margin) on, on the clock of the host behind, without waiting for it.
    const inASecond = new Date(behind.clock.now().getTime() + 1_000 + AGREEMENT_MS);
    const promoted = await behind.promoteDue({ now: inASecond, limit: 10 });

    expect(promoted.map((moved) => moved.job.id)).toEqual([job.id]);
  });

  it('opens a server child’s storage on a host clock clockSkewMs off, corrected to store time', async () => {
    schema = freshSchemaName();
    const child = createStorage({ connectionString: DATABASE_URL, schema, poolSize: 1, clockSkewMs: 120_000 });
    opened.push(child);
    await child.migrate();
    expect(child.capabilities.storeClock).toBe(true);
    expect(Math.abs(child.clock.now().getTime() - Date.now())).toBeLessThan(AGREEMENT_MS);
  });
});
