// enqueue-plan.test.ts: a single-job enqueue runs enqueue-one.sql, whose plan PostgreSQL caches: after its first
// few runs on a connection the statement is executed with one generic plan instead of being re-planned per call
// (enqueue.sql's arrays made the planner re-plan each one, about half of a single call's cost).
import { makeNewJob } from '@jobsmith/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../src/index.js';
import { bindStatements } from '../src/statements.js';
import { DATABASE_URL, dropSchema, freshSchemaName, openStorage } from './helpers.js';

interface PreparedRow {
  generic_plans: string;
  custom_plans: string;
}

describe('enqueue plan caching', () => {
  const schema = freshSchemaName();
  // One connection, so every call and the look at pg_prepared_statements (per session) share it.
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  let storage: PostgresStorage;

  beforeAll(async () => {
    await (await openStorage(schema)).close();
    storage = new PostgresStorage({ pool, schema });
    await storage.migrate();
  });

  afterAll(async () => {
    await storage.close();
    await pool.end();
    await dropSchema(schema);
  });

  it('runs single-job enqueues on a generic plan once the statement has warmed up', async () => {
    const calls = 20;
    for (let i = 0; i < calls; i++) {
      const [result] = await storage.enqueue({ jobs: [makeNewJob({ uniqueKey: `k${i % 15}` })] });
      expect(result?.duplicate).toBe(i >= 15);
    }
    const name = bindStatements(schema)['enqueue-one'].name;
    const { rows } = await pool.query<PreparedRow>(
      'SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = $1',
      [name],
    );
    expect(rows).toHaveLength(1);
    // PostgreSQL plans the first five runs for their values, then settles on the generic plan when it costs no more.
    expect(Number(rows[0]!.custom_plans)).toBeLessThanOrEqual(5);
    expect(Number(rows[0]!.generic_plans)).toBeGreaterThanOrEqual(calls - 5);
  });
});
