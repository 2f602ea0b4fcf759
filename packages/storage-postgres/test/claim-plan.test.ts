// claim-plan.test.ts: the claim reads its claim index in order, whatever the table holds. 200,000 finished rows and
// a few thousand enqueued ones are seeded and ANALYZEd, then EXPLAIN (FORMAT JSON) of fetch-and-lock.sql and
// fetch-and-lock-queue.sql (as bound for the schema), at limits of 10 and 500, must show the LIMIT fed straight by an
// index scan on jobs_claim_idx / jobs_claim_queue_idx (no sort) and no sequential scan of the jobs table. No planner settings are changed: the plan is the one production gets.
import { beforeAll, describe, expect, it } from 'vitest';
import { bindStatements } from '../src/statements.js';
import { adminQuery, storageForSuite } from './helpers.js';

const FINISHED_ROWS = 200_000;
// 5,000 per queue: a claim of 500 is a tenth of one queue, as the planner sees it in production, not most of it.
const ENQUEUED_ROWS = 35_000;

/** A node of EXPLAIN (FORMAT JSON) output. */
interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function allNodes(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(allNodes)];
}

function seqScansOfJobs(nodes: PlanNode[]): PlanNode[] {
  return nodes.filter((node) => node['Node Type'] === 'Seq Scan' && node['Relation Name'] === 'jobs');
}

describe('fetchAndLock plan', () => {
  const { schema, storage } = storageForSuite();

  beforeAll(async () => {
    // Seeded in SQL: 200k rows through enqueue would take the test far longer and prove nothing more.
    await adminQuery(
      `INSERT INTO "${schema}".jobs (id, method, payload, queue, priority, state, attempt, max_attempts, run_at,
         created_at, updated_at, finished_at, expires_at)
       SELECT 'seed-' || lpad(n::text, 7, '0'), 'm', '{}', 'q' || (n % 7), n % 5,
         CASE WHEN n <= $1::integer THEN (ARRAY['succeeded', 'failed', 'deleted'])[1 + n % 3] ELSE 'enqueued' END,
         CASE WHEN n <= $1 THEN 1 ELSE 0 END, 5, $3::timestamptz - (n % 1000) * interval '1 ms', $3, $3,
         CASE WHEN n <= $1 THEN $3::timestamptz END, CASE WHEN n <= $1 THEN $3::timestamptz + interval '1 day' END
       FROM generate_series(1, $1::integer + $2::integer) AS n`,
      [FINISHED_ROWS, ENQUEUED_ROWS, new Date('2030-01-01T00:00:00.000Z')],
    );
    await adminQuery(`ANALYZE "${schema}".jobs`);
  }, 120_000);

  async function planOf(name: 'fetch-and-lock' | 'fetch-and-lock-queue', scope: unknown, limit: number) {
    const sql = bindStatements(schema)[name].text;
    const now = new Date('2030-01-01T00:00:01.000Z');
    const values = [scope, limit, 's#1', new Date(now.getTime() + 30_000), now, 'lease-base:', 'off'];
    const { rows } = await adminQuery<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, values);
    return allNodes(rows[0]!['QUERY PLAN'][0].Plan);
  }

  // 10: a default server's claim; 500: a local queue refilling itself, a tenth of the seeded backlog. Several named
  // queues at 500 are left to the planner: it may read those queues' part of jobs_claim_queue_idx and sort it, which
  // beats walking jobs_claim_idx past the other queues' rows; either way it never scans the table.
  const cases = [
    ['every queue', 'fetch-and-lock', [], 'jobs_claim_idx', [10, 500]],
    ['named queues', 'fetch-and-lock', ['q1', 'q3'], 'jobs_claim_idx', [10]],
    ['one queue', 'fetch-and-lock-queue', 'q1', 'jobs_claim_queue_idx', [10, 500]],
  ] as const;
  for (const [what, name, scope, index, limits] of cases) {
    for (const limit of limits) {
      it(`claims ${limit} from ${what} through ${index} in index order, never scanning the table`, async () => {
        const nodes = await planOf(name, scope, limit);
        // The LIMIT must sit on the index scan itself: no Sort between them, so only the claimed rows are read.
        const limited = allNodes(nodes.find((node) => node['Node Type'] === 'Limit') as PlanNode);
        const claimScan = limited.find((node) => node['Index Name'] === index);
        expect(claimScan?.['Node Type']).toMatch(/^Index (Only )?Scan$/);
        expect(limited.filter((node) => node['Node Type'] === 'Sort')).toEqual([]);
        expect(seqScansOfJobs(nodes)).toEqual([]);
        // The UPDATE finds the locked rows by their addresses, not by a jobs_pkey probe per row.
        const update = allNodes(nodes.find((node) => node['Node Type'] === 'ModifyTable') as PlanNode);
        expect(update.map((node) => node['Node Type'])).toContain('Tid Scan');
      });
    }
  }

  it('claims 500 from named queues without scanning the table', async () => {
    expect(seqScansOfJobs(await planOf('fetch-and-lock', ['q1', 'q3'], 500))).toEqual([]);
  });

  it('still claims in priority, runAt, id order from the seeded table', async () => {
    const claimed = await storage().fetchAndLock({ serverId: 's#1', queues: [], limit: 5, leaseMs: 30_000 });
    expect(claimed).toHaveLength(5);
    const keys = claimed.map((job) => [-job.priority, job.runAt.getTime(), job.id] as const);
    const sorted = [...keys].sort((x, y) => x[0] - y[0] || x[1] - y[1] || (x[2] < y[2] ? -1 : 1));
    expect(keys).toEqual(sorted);
    expect(claimed.every((job) => job.priority === 4)).toBe(true);
  });
});
