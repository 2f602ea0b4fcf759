// multi-process.test.ts: 3 OS processes drain one shared store of 3,000 jobs (fetchAndLock 5 + finish, in a loop)
// and every job succeeds exactly once, at attempt 1. Real processes and real time on purpose: this is the claim's
// atomicity across separate connections and event loops. The processes start claiming together (a `go` line).
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ManualClock, uuidv7 } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RedisStorage } from '../src/storage.js';
import { REDIS_URL, redisHarness } from './harness.js';

const PROCESSES = 3;
const JOBS = 3_000;
const WORKER = fileURLToPath(new URL('./multi-process-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** What a worker prints when it is done. */
interface WorkerReport {
  serverId: string;
  claimed: { id: string; attempt: number }[];
}

interface Worker {
  child: ChildProcessWithoutNullStreams;
  /** Resolves on the child's `ready` line. */
  ready: Promise<void>;
  /** Resolves with the child's report once it exits with code 0. */
  report: Promise<WorkerReport>;
}

function startWorker(prefix: string): Worker {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', WORKER], {
    cwd: REPO_ROOT,
    env: { ...process.env, REDIS_URL, JOBSMITH_PREFIX: prefix },
  });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const report = new Promise<WorkerReport>((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`worker exited with ${code}: ${stderr}`));
      resolve(JSON.parse(stdout.slice('ready\n'.length)) as WorkerReport);
    });
  });
  return { child, ready: Promise.race([ready, report.then(() => undefined)]), report };
}

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

  const workers = Array.from({ length: PROCESSES }, () => startWorker(storage.prefix));
  await Promise.all(workers.map((worker) => worker.ready));
  for (const worker of workers) worker.child.stdin.end('go\n');
  const reports = await Promise.all(workers.map((worker) => worker.report));

  const claimed = reports.flatMap((report) => report.claimed);
  expect(claimed.every((job) => job.attempt === 1)).toBe(true);
  expect(new Set(claimed.map((job) => job.id)).size).toBe(claimed.length);
  expect(claimed.map((job) => job.id).sort()).toEqual([...ids].sort());
  expect((await storage.counts()).byState).toMatchObject({ succeeded: JOBS, enqueued: 0, processing: 0 });
});
