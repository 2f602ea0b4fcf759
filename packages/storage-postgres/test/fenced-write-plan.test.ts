// fenced-write-plan.test.ts: the writes that check a lease (finish, renewLeases, release, recordProgress) find each
// job through jobs_pkey, never through jobs_lease_idx. That index also covers `state = 'processing'`, and probing it
// by its second column (id) reads every running job per lease; the planner takes it when its statistics say few jobs
// run, which is when they were last gathered before a burst of claims. The seeded table has 20,000 enqueued jobs and
// none running, ANALYZEd; each statement's generic plan (the one a prepared statement settles on) is checked.
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { bindStatements } from '../src/statements.js';
import { adminQuery, DATABASE_URL, storageForSuite } from './helpers.js';

const ENQUEUED_ROWS = 20_000;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function allNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(allNodes)];
}

/** Each statement with the parameter types it is prepared with and sample values. */
const FENCED_WRITES = [
  [
    'finish',
    'text[], text[], text[], text[], text[], timestamptz[], timestamptz[], boolean[], timestamptz',
    "'{a}', '{b}', '{succeeded}', '{null}', '{null}', '{null}', '{null}', '{f}', now()",
  ],
  ['finish-purge', 'text[], text[]', "'{a}', '{b}'"],
  ['renew-leases', 'text[], text[], timestamptz', "'{a}', '{b}', now()"],
  ['release', 'text[], text[], timestamptz, text', "'{a}', '{b}', now(), 'channel'"],
  ['record-progress', 'text[], text[], double precision[], timestamptz', "'{a}', '{b}', '{0.5}', now()"],
] as const;

describe('fenced write plans', () => {
  const { schema } = storageForSuite();

  beforeAll(async () => {
    await adminQuery(
      `INSERT INTO "${schema}".jobs (id, method, payload, queue, priority, state, max_attempts, run_at, created_at,
         updated_at)
       SELECT 'seed-' || lpad(n::text, 7, '0'), 'm', '{}', 'default', 0, 'enqueued', 5, now(), now(), now()
       FROM generate_series(1, $1::integer) AS n`,
      [ENQUEUED_ROWS],
    );
    await adminQuery(`ANALYZE "${schema}".jobs`);
  }, 60_000);

  async function genericPlanOf(name: string, types: string, values: string): Promise<PlanNode[]> {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query('SET plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE fenced (${types}) AS ${bindStatements(schema)[name as 'finish'].text}`);
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (FORMAT JSON) EXECUTE fenced (${values})`,
      );
      return allNodes(rows[0]!['QUERY PLAN'][0].Plan);
    } finally {
      await client.end();
    }
  }

  for (const [name, types, values] of FENCED_WRITES) {
    it(`${name} finds each job through jobs_pkey, never jobs_lease_idx`, async () => {
      const indexes = (await genericPlanOf(name, types, values)).map((node) => node['Index Name']).filter(Boolean);
      expect(indexes).toContain('jobs_pkey');
      expect(indexes).not.toContain('jobs_lease_idx');
    });
  }
});
