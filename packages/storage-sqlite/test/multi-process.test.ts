// multi-process.test.ts: three OS processes share one database file and drain 3,000 jobs with fetchAndLock +
// finish; every job is claimed exactly once, on its first attempt. The children also race to create the schema. Real time on purpose: the point is the OS-level
// locking between processes, which no clock can stand in for; the children start together on a stdin signal.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { makeNewJob } from '@jobsmith/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../src/index.js';
import { MIGRATIONS } from '../src/migrate.js';
import { makeTempDir } from './harness.js';

const JOB_COUNT = 3_000;
const PROCESS_COUNT = 3;
const CHILD_SCRIPT = fileURLToPath(new URL('./claim-loop.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Claimed {
  id: string;
  attempt: number;
  finished: boolean;
}

/** A running claim-loop child: resolves `ready` on its first line, `claimed` on its last and a clean exit. */
function startChild(
  filename: string,
  serverId: string,
): { child: ChildProcess; ready: Promise<void>; claimed: Promise<Claimed[]> } {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD_SCRIPT, filename, serverId], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const failure = async (step: string) => {
    const [code, signal] = await exited;
    return new Error(`${serverId} ${step}: exit ${code ?? signal}\n${stderr}`);
  };
  const ready = lines.next().then(async (line) => {
    if (line.value !== 'ready') throw await failure('never became ready');
  });
  const claimed = ready.then(async () => {
    const line = await lines.next();
    const [code] = await exited;
    if (code !== 0 || typeof line.value !== 'string') throw await failure('did not finish');
    return JSON.parse(line.value) as Claimed[];
  });
  return { child, ready, claimed };
}

describe('several processes on one file', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = makeTempDir();
  });

  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('claims every job exactly once across three processes', { timeout: 120_000 }, async () => {
    // The children create the file: their first migrate() races on a database that does not exist yet.
    const filename = join(dir, 'jobs.db');
    const runs = Array.from({ length: PROCESS_COUNT }, (_, index) => startChild(filename, `process-${index}`));
    children.push(...runs.map((run) => run.child));
    await Promise.all(runs.map((run) => run.ready));

    const storage = new SqliteStorage({ filename });
    const jobs = Array.from({ length: JOB_COUNT }, () => makeNewJob({}, storage.clock.now()));
    for (let start = 0; start < JOB_COUNT; start += 500) {
      await storage.enqueue({ jobs: jobs.slice(start, start + 500) });
    }
    for (const run of runs) run.child.stdin?.end('go\n');
    const perProcess = await Promise.all(runs.map((run) => run.claimed));

    const all = perProcess.flat();
    expect(all).toHaveLength(JOB_COUNT);
    expect(new Set(all.map((entry) => entry.id))).toEqual(new Set(jobs.map((job) => job.id)));
    expect(all.every((entry) => entry.attempt === 1 && entry.finished)).toBe(true);
    // How the 3,000 split is up to the OS scheduler (SQLite's lock is not fair), so only the union is asserted.
    // Every process got work: the claims really raced.

    const counts = await storage.counts();
    expect(counts.byState).toMatchObject({ succeeded: JOB_COUNT, enqueued: 0, processing: 0 });
    const applied = storage.database.prepare('SELECT version FROM jobsmith_migrations').pluck().all();
    expect(applied).toEqual(MIGRATIONS.map((migration) => migration.version));
    await storage.close();
  });
});
