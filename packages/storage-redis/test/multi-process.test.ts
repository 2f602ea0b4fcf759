// multi-process.test.ts: 3 OS processes drain one shared store of 3,000 jobs (fetchAndLock 5 + finish, in a loop)
// and every job succeeds exactly once, at attempt 1. Real processes and real time on purpose: this is the claim's
// atomicity across separate connections and event loops. The processes start claiming together (a `go` line).
import { fileURLToPath } from 'node:url';
import { ManualClock, uuidv7 } from '@jobsmith/core';
import { expectEachJobClaimedOnce, makeNewJob, runClaimLoopProcesses } from '@jobsmith/core/testing';
import { afterEach, beforeEach, it } from 'vitest';
import type { RedisStorage } from '../src/storage.js';
import { REDIS_URL, redisHarness } from './harness.js';

const PROCESSES = 3;
const JOBS = 3_000;
const WORKER = fileURLToPath(new URL('./multi-process-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let storage: RedisStorage;

beforeEach(async () => {
  storage = await redisHarness.create(new ManualClock());
});

afterEach(async () => {
  await redisHarness.destroy(storage);
});

it(`runs each of ${JOBS} jobs exactly once across ${PROCESSES} processes`, { timeout: 120_000 }, async () => {
  const ids: string[] = [];
  for (let batch = 0; batch < JOBS / 500; batch++) {
    const jobs = Array.from({ length: 500 }, (_, index) =>
      makeNewJob({ id: uuidv7(), priority: index % 4, queue: `q${index % 3}` }),
    );
    await storage.enqueue({ jobs });
    ids.push(...jobs.map((job) => job.id));
  }

  const perProcess = await runClaimLoopProcesses({
    processes: PROCESSES,
    nodeArgs: () => ['--conditions=source', '--import', 'tsx', WORKER],
    cwd: REPO_ROOT,
    env: { REDIS_URL, JOBSMITH_PREFIX: storage.prefix },
  });

  await expectEachJobClaimedOnce(storage, perProcess, ids);
});
