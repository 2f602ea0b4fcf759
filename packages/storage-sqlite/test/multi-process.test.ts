// multi-process.test.ts: three OS processes share one database file and drain 3,000 jobs with fetchAndLock +
// finish; every job is claimed exactly once, on its first attempt. The children also race to create the schema.
// Real time on purpose: the point is the OS-level locking between processes, which no clock can stand in for; the
// children start together on a stdin signal.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectEachJobClaimedOnce, makeNewJob, runClaimLoopProcesses } from '@jobsmith/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../src/index.js';
import { MIGRATIONS } from '../src/migrate.js';
import { makeTempDir } from './harness.js';

const JOB_COUNT = 3_000;
const PROCESS_COUNT = 3;
const CHILD_SCRIPT = fileURLToPath(new URL('./claim-loop.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('several processes on one file', () => {
  let dir: string;

  beforeEach(() => {
    dir = makeTempDir();
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('claims every job exactly once across three processes', { timeout: 120_000 }, async () => {
    // The children create the file: their first migrate() races on a database that does not exist yet.
    const filename = join(dir, 'jobs.db');
    const storage = new SqliteStorage({ filename });
    const jobs = Array.from({ length: JOB_COUNT }, () => makeNewJob({}, storage.clock.now()));
    const perProcess = await runClaimLoopProcesses({
      processes: PROCESS_COUNT,
      nodeArgs: (index) => ['--conditions=source', '--import', 'tsx', CHILD_SCRIPT, filename, `process-${index}`],
      cwd: REPO_ROOT,
      async beforeStart() {
        for (let start = 0; start < JOB_COUNT; start += 500) {
          await storage.enqueue({ jobs: jobs.slice(start, start + 500) });
        }
      },
    });

    // How the 3,000 split is up to the OS scheduler (SQLite's lock is not fair), so only the union is asserted.
    await expectEachJobClaimedOnce(
      storage,
      perProcess,
      jobs.map((job) => job.id),
    );
    const applied = storage.database.prepare('SELECT version FROM jobsmith_migrations').pluck().all();
    expect(applied).toEqual(MIGRATIONS.map((migration) => migration.version));
    await storage.close();
  });
});
