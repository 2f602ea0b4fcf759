// multi-process.test.ts: three OS processes, each with its own PostgresStorage and pool, drain one shared store of
// 3,000 jobs through fetchAndLock (limit 5) + finish. Every job must succeed exactly once: the union of the claims
// is every job, none twice, each on its first attempt. Real processes and real time: that is what is under test.
import { fileURLToPath } from 'node:url';
import { expectEachJobClaimedOnce, makeNewJob, runClaimLoopProcesses } from '@jobsmith/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, storageForSuite } from './helpers.js';

const JOBS = 3_000;
const PROCESSES = 3;
const WORKER = fileURLToPath(new URL('./fixtures/claim-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('several processes on one store', () => {
  const { schema, storage } = storageForSuite();

  beforeAll(async () => {
    for (let batch = 0; batch < JOBS / 500; batch++) {
      await storage().enqueue({ jobs: Array.from({ length: 500 }, (_, i) => makeNewJob({ priority: i % 3 })) });
    }
  });

  it('runs every job exactly once across 3 processes claiming 5 at a time', async () => {
    const perProcess = await runClaimLoopProcesses({
      processes: PROCESSES,
      nodeArgs: () => ['--conditions=source', '--import', 'tsx', WORKER],
      cwd: REPO_ROOT,
      env: { DATABASE_URL, JOBSMITH_SCHEMA: schema },
    });
    const all = (await storage().list({ limit: JOBS + 1, offset: 0 })).map((job) => job.id);
    expect(all).toHaveLength(JOBS);
    await expectEachJobClaimedOnce(storage(), perProcess, all);
    // Released together, every process must have taken a share: they really raced on the same rows.
    for (const claimsOfOne of perProcess) expect(claimsOfOne.length).toBeGreaterThan(0);
  }, 120_000);
});
