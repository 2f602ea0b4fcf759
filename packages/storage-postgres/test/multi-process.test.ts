// multi-process.test.ts: three OS processes, each with its own PostgresStorage and pool, drain one shared store of
// 3,000 jobs through fetchAndLock (limit 5) + finish. Every job must succeed exactly once: the union of the claims
// is every job, none twice, each on its first attempt. Real processes and real time: that is what is under test.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { makeNewJob } from '@jobsmith/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresStorage } from '../src/index.js';
import { DATABASE_URL, dropSchema, freshSchemaName, openStorage } from './helpers.js';

const JOBS = 3_000;
const PROCESSES = 3;
const WORKER = fileURLToPath(new URL('./fixtures/claim-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

interface Claim {
  id: string;
  attempt: number;
}

/** A started claim-worker: `ready` resolves once it has connected, `go()` lets it claim, `claims` when it is done. */
interface Worker {
  ready: Promise<void>;
  go(): void;
  claims: Promise<Claim[]>;
}

function startWorker(schema: string): Worker {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', WORKER], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL, JOBSMITH_SCHEMA: schema },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady = () => {};
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
  const claims = new Promise<Claim[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`claim-worker exited with ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout.slice('ready\n'.length)) as Claim[]);
    });
  });
  // A worker that dies before printing `ready` must fail the test, not leave it waiting.
  const readyOrDead = Promise.race([ready, claims.then(() => Promise.reject(new Error('claim-worker ended early')))]);
  return { ready: readyOrDead, go: () => child.stdin.end('go\n'), claims };
}

describe('several processes on one store', () => {
  const schema = freshSchemaName();
  let storage: PostgresStorage;

  beforeAll(async () => {
    storage = await openStorage(schema);
    for (let batch = 0; batch < JOBS / 500; batch++) {
      await storage.enqueue({ jobs: Array.from({ length: 500 }, (_, i) => makeNewJob({ priority: i % 3 })) });
    }
  });

  afterAll(async () => {
    await storage.close();
    await dropSchema(schema);
  });

  it('runs every job exactly once across 3 processes claiming 5 at a time', async () => {
    const workers = Array.from({ length: PROCESSES }, () => startWorker(schema));
    await Promise.all(workers.map((worker) => worker.ready));
    for (const worker of workers) worker.go();
    const perProcess = await Promise.all(workers.map((worker) => worker.claims));
    const claims = perProcess.flat();
    const ids = claims.map((claim) => claim.id);
    const all = (await storage.list({ limit: JOBS + 1, offset: 0 })).map((job) => job.id);

    expect(all).toHaveLength(JOBS);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...all].sort());
    expect(claims.every((claim) => claim.attempt === 1)).toBe(true);
    expect((await storage.counts()).byState).toMatchObject({ succeeded: JOBS, enqueued: 0, processing: 0 });
    // Released together, every process must have taken a share: they really raced on the same rows.
    for (const claimsOfOne of perProcess) expect(claimsOfOne.length).toBeGreaterThan(0);
  }, 120_000);
});
