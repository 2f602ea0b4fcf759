// query-plans.test.ts: the claim, the sweeps and releaseLostClaims read through their partial indexes: SQLite's own
// EXPLAIN QUERY PLAN shows the index each .sql header names, and no full scan or sort of the jobs table.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../src/generated/sql.js';
import { applyMigrations } from '../src/migrate.js';
import { renderSql, type SqlName, Statements } from '../src/statements.js';

const PLANS: [SqlName, string][] = [
  ['fetch-and-lock-candidates', 'jobsmith_jobs_claim_idx'],
  ['fetch-and-lock-candidates-any-queue', 'jobsmith_jobs_claim_any_queue_idx'],
  ['promote-due-candidates', 'jobsmith_jobs_due_idx'],
  ['requeue-expired-leases-candidates', 'jobsmith_jobs_lease_idx'],
  ['reclaim-dead-server-jobs', 'jobsmith_jobs_locked_by_idx'],
  ['release-lost-claims', 'jobsmith_jobs_locked_by_idx'],
  ['purge-expired', 'jobsmith_jobs_expiry_idx'],
  ['enqueue-find-duplicate', 'jobsmith_jobs_unique_key_idx'],
  ['enqueue-replace', 'jobsmith_jobs_unique_key_idx'],
  ['enqueue-detach', 'jobsmith_jobs_unique_key_idx'],
  ['retry-failed-holder', 'jobsmith_jobs_unique_key_idx'],
  ['fire-recurring-unfinished', 'jobsmith_jobs_unique_key_idx'],
  ['list-due-recurring', 'jobsmith_recurring_due_idx'],
];

describe('query plans', () => {
  let db: Database.Database;

  beforeAll(() => {
    db = new Database(':memory:');
    applyMigrations(new Statements(db, 'jobsmith_'), 0);
  });

  afterAll(() => {
    db.close();
  });

  /** The plan's detail lines, with every `$name` parameter bound to 1 (the plan does not depend on the value). */
  function plan(name: SqlName): string[] {
    const text = renderSql(sql[name], 'jobsmith_').replace(/^--.*$/gm, '');
    const params = Object.fromEntries([...text.matchAll(/\$([a-z_]+)/g)].map((match) => [match[1], 1]));
    const explain = db.prepare(`EXPLAIN QUERY PLAN ${text}`);
    return (explain.all(params) as { detail: string }[]).map((row) => row.detail);
  }

  it.each(PLANS)('%s reads through %s without a sort or a full scan', (name, index) => {
    const details = plan(name);
    expect(details.join('\n')).toContain(index);
    expect(details.some((detail) => /TEMP B-TREE/.test(detail))).toBe(false);
    expect(details.some((detail) => /^SCAN jobsmith_jobs(?! USING)/.test(detail))).toBe(false);
  });
});
