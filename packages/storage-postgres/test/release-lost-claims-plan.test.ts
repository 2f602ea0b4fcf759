// release-lost-claims-plan.test.ts: releaseLostClaims reads only the jobs in flight, through jobs_lease_idx (WHERE
// state = 'processing'), never a scan of the jobs table, however much history and backlog it holds. The seeded table
// has 100,000 finished and 20,000 enqueued jobs and 40 running on four servers, ANALYZEd; both plans a prepared
// statement may run (custom for the given values, then the generic one it settles on) are checked.
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { bindStatements } from '../src/statements.js';
import { adminQuery, DATABASE_URL, storageForSuite } from './helpers.js';

const FINISHED_ROWS = 100_000;
const ENQUEUED_ROWS = 20_000;
const PROCESSING_ROWS = 40;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function allNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(allNodes)];
}

describe('releaseLostClaims plan', () => {
  const { schema } = storageForSuite();

  beforeAll(async () => {
    // Seeded in SQL: 120k rows through enqueue would take far longer and prove nothing more.
    await adminQuery(
      `INSERT INTO "${schema}".jobs (id, method, payload, queue, priority, state, attempt, max_attempts, run_at,
         created_at, updated_at, finished_at, expires_at, lease_id, locked_by, locked_until)
       SELECT 'seed-' || lpad(n::text, 7, '0'), 'm', '{}', 'default', 0, s.state,
         CASE WHEN s.state = 'enqueued' THEN 0 ELSE 1 END, 5, now(), now(), now(),
         CASE WHEN s.state = 'succeeded' THEN now() END, CASE WHEN s.state = 'succeeded' THEN now() + interval '1 day' END,
         CASE WHEN s.state = 'processing' THEN 'lease-' || n END,
         CASE WHEN s.state = 'processing' THEN 'server#' || (n % 4) END,
         CASE WHEN s.state = 'processing' THEN now() + interval '30 s' END
       FROM generate_series(1, $1::integer + $2::integer + $3::integer) AS n
       CROSS JOIN LATERAL (SELECT CASE WHEN n <= $1 THEN 'succeeded' WHEN n <= $1 + $2 THEN 'enqueued'
         ELSE 'processing' END AS state) AS s`,
      [FINISHED_ROWS, ENQUEUED_ROWS, PROCESSING_ROWS],
    );
    await adminQuery(`ANALYZE "${schema}".jobs`);
  }, 60_000);

  async function planOf(planCacheMode: 'force_custom_plan' | 'force_generic_plan'): Promise<PlanNode[]> {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query(`SET plan_cache_mode = ${planCacheMode}`);
      const text = bindStatements(schema)['release-lost-claims'].text;
      await client.query(`PREPARE lost (text, text[], timestamptz, text) AS ${text}`);
      const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        `EXPLAIN (FORMAT JSON) EXECUTE lost ('server#1', '{lease-120001}', now(), 'channel')`,
      );
      return allNodes(rows[0]!['QUERY PLAN'][0].Plan);
    } finally {
      await client.end();
    }
  }

  for (const mode of ['force_custom_plan', 'force_generic_plan'] as const) {
    it(`reads the running jobs through jobs_lease_idx, never scanning the table (${mode})`, async () => {
      const nodes = await planOf(mode);
      expect(nodes.map((node) => node['Index Name'])).toContain('jobs_lease_idx');
      expect(nodes.filter((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'jobs')).toEqual([]);
    });
  }
});
