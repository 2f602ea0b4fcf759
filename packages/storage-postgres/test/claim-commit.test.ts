// claim-commit.test.ts: a claim commits asynchronously (synchronous_commit off), and only the claim's own transaction
// does: the setting is local to it, so a finish on the same pooled connection afterwards still waits for its flush.
import { makeNewJob } from '@jobsmith/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../src/index.js';
import { bindStatements } from '../src/statements.js';
import { DATABASE_URL, storageForSuite } from './helpers.js';

describe('fetchAndLock commit', () => {
  const { schema, storage } = storageForSuite();
  const client = new pg.Client({ connectionString: DATABASE_URL });

  beforeAll(async () => {
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
  });

  const now = new Date('2030-01-01T00:00:00.000Z');
  const claims = [
    ['fetch-and-lock', []],
    ['fetch-and-lock-queue', 'default'],
  ] as const;
  for (const [name, scope] of claims) {
    it(`${name} turns synchronous_commit off for its own transaction only`, async () => {
      await storage().enqueue({ jobs: [makeNewJob({ method: 'm' }, now)] });
      const before = (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0];
      const values = [scope, 1, 's#1', new Date(now.getTime() + 30_000), now, 'lease-base:', 'off'];
      await client.query('BEGIN');
      const { rowCount } = await client.query(bindStatements(schema)[name].text, values);
      const inside = (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0];
      await client.query('COMMIT');
      const after = (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0];
      expect(rowCount).toBe(1);
      expect(inside?.synchronous_commit).toBe('off');
      expect(after).toEqual(before);
    });
  }

  it('keeps the session setting for a claim of a storage with durableClaims', async () => {
    await storage().enqueue({ jobs: [makeNewJob({ method: 'm' }, now)] });
    await client.query(`SET synchronous_commit = 'remote_write'`);
    try {
      await client.query('BEGIN');
      const values = ['default', 1, 's#1', new Date(now.getTime() + 30_000), now, 'lease-base:', null];
      const { rowCount } = await client.query(bindStatements(schema)['fetch-and-lock-queue'].text, values);
      const inside = (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0];
      await client.query('COMMIT');
      expect(rowCount).toBe(1);
      expect(inside?.synchronous_commit).toBe('remote_write');
    } finally {
      await client.query('RESET synchronous_commit');
    }
  });

  it('claims through a storage with durableClaims, which keeps every commit synchronous', async () => {
    const durable = new PostgresStorage({ connectionString: DATABASE_URL, schema, durableClaims: true, poolSize: 1 });
    try {
      const [job] = await durable.enqueue({ jobs: [makeNewJob({ method: 'm', queue: 'durable' }, now)] });
      const claimed = await durable.fetchAndLock({ serverId: 's#2', queues: ['durable'], limit: 5, leaseMs: 30_000 });
      expect(claimed.map((claim) => claim.id)).toEqual([job?.id]);
      expect(await durable.get(job!.id)).toMatchObject({ state: 'processing', lockedBy: 's#2' });
    } finally {
      await durable.close();
    }
  });

  it('claims nothing, and still turns it off, when no job is enqueued', async () => {
    await client.query('BEGIN');
    const values = ['idle-queue', 5, 's#1', new Date(now.getTime() + 30_000), now, 'lease-base:', 'off'];
    const { rowCount } = await client.query(bindStatements(schema)['fetch-and-lock-queue'].text, values);
    const inside = (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0];
    await client.query('ROLLBACK');
    expect(rowCount).toBe(0);
    // The filter's InitPlan runs before the scan, so even an empty claim sets it; an empty claim writes nothing anyway.
    expect(inside?.synchronous_commit).toBe('off');
  });
});
