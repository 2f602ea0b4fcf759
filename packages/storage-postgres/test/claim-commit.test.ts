// claim-commit.test.ts: a claim commits asynchronously (synchronous_commit off), and only the claim's own transaction
// does: the setting is local to it, so a finish on the same pooled connection afterwards still waits for its flush.
import { makeNewJob } from '@jobsmith/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
      const values = [scope, 1, 's#1', new Date(now.getTime() + 30_000), now, 'lease-base:'];
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

  it('claims nothing, and still turns it off, when no job is enqueued', async () => {
    await client.query('BEGIN');
    const values = ['idle-queue', 5, 's#1', new Date(now.getTime() + 30_000), now, 'lease-base:'];
    const { rowCount } = await client.query(bindStatements(schema)['fetch-and-lock-queue'].text, values);
    const inside = (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0];
    await client.query('ROLLBACK');
    expect(rowCount).toBe(0);
    // The filter's InitPlan runs before the scan, so even an empty claim sets it; an empty claim writes nothing anyway.
    expect(inside?.synchronous_commit).toBe('off');
  });
});
