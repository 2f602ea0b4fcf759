// claim-loop.ts: the multi-process claim test every multi-process backend runs: N OS processes, each with its own
// storage, released together, loop fetchAndLock + finish until the store is empty. The parent side starts and
// releases the children and collects their claims; the child side is the loop; one verdict checks the outcome.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { expect } from 'vitest';
import type { Storage } from '../storage.js';

/** One job a child claimed: its attempt at the claim, and whether the finish that followed applied. */
export interface ClaimRecord {
  id: string;
  attempt: number;
  finished: boolean;
}

export interface ClaimLoopOptions {
  /** Stamped as `lockedBy`; unique per child. */
  serverId: string;
  /** Jobs per claim. @defaultValue 5 */
  limit?: number;
  /** Lease of each claim, long enough that nothing lapses during the test. @defaultValue 600000 */
  leaseMs?: number;
}

/**
 * The child side, the whole of a child script: migrates, prints `ready`, waits for a line on stdin (so every child
 * starts claiming at once), claims and finishes (succeeded) until a claim comes back empty, closes the storage, and
 * prints its ClaimRecords as one JSON line.
 */
export async function runClaimLoopChild(storage: Storage, options: ClaimLoopOptions): Promise<void> {
  const claims: ClaimRecord[] = [];
  try {
    await storage.migrate();
    process.stdout.write('ready\n');
    await waitForLine();
    const { serverId, limit = 5, leaseMs = 600_000 } = options;
    for (;;) {
      const jobs = await storage.fetchAndLock({ serverId, queues: [], limit, leaseMs });
      if (jobs.length === 0) break;
      const outcomes = jobs.map((job) => ({ id: job.id, leaseId: job.leaseId as string, to: 'succeeded' as const }));
      const finished = await storage.finish({ outcomes });
      jobs.forEach((job, index) => {
        claims.push({ id: job.id, attempt: job.attempt, finished: finished[index] === true });
      });
    }
  } finally {
    await storage.close();
  }
  process.stdout.write(`${JSON.stringify(claims)}\n`);
}

async function waitForLine(): Promise<void> {
  const lines = createInterface({ input: process.stdin });
  await once(lines, 'line');
  lines.close();
  process.stdin.destroy();
}

export interface ClaimLoopProcessesParams {
  /** How many child processes to start. */
  processes: number;
  /** The node arguments that start child `index`: loader flags, a script calling runClaimLoopChild, its args. */
  nodeArgs(index: number): string[];
  /** The children's working directory. */
  cwd: string;
  /** Added to the children's environment. */
  env?: Readonly<Record<string, string>>;
  /** Runs once every child is ready and before any is released (e.g. to enqueue the jobs). */
  beforeStart?(): Promise<void>;
}

/**
 * The parent side: starts the children, waits until each is ready, runs `beforeStart`, releases them together and
 * resolves with each child's claims, in child order. Rejects (killing the others) when a child fails or exits early.
 */
export async function runClaimLoopProcesses(params: ClaimLoopProcessesParams): Promise<ClaimRecord[][]> {
  const children = Array.from({ length: params.processes }, (_, index) => startChild(params, index));
  try {
    await Promise.all(children.map((child) => child.ready));
    await params.beforeStart?.();
    for (const child of children) child.process.stdin.end('go\n');
    return await Promise.all(children.map((child) => child.claims));
  } finally {
    for (const child of children) if (child.process.exitCode === null) child.process.kill();
  }
}

interface Child {
  process: ChildProcessWithoutNullStreams;
  /** Resolves on the child's `ready` line; rejects when it exits first. */
  ready: Promise<void>;
  /** Resolves with the child's claims once it exits with code 0. */
  claims: Promise<ClaimRecord[]>;
}

function startChild(params: ClaimLoopProcessesParams, index: number): Child {
  const child = spawn(process.execPath, params.nodeArgs(index), {
    cwd: params.cwd,
    env: { ...process.env, ...params.env },
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
  const claims = new Promise<ClaimRecord[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) reject(new Error(`claim-loop child ${index} exited with ${code ?? signal}: ${stderr}`));
      else resolve(JSON.parse(stdout.slice('ready\n'.length)) as ClaimRecord[]);
    });
  });
  const endedEarly = claims.then(() => Promise.reject(new Error(`claim-loop child ${index} ended before ready`)));
  // Whichever way `ready` settles, a later rejection of `claims` is still observed through `claims` itself.
  endedEarly.catch(() => undefined);
  return { process: child, ready: Promise.race([ready, endedEarly]), claims };
}

/**
 * The verdict of a claim-loop run: every job of `ids` was claimed exactly once, at attempt 1, and finished, and the
 * store holds them all as succeeded with nothing left enqueued or processing. How the jobs split between processes is
 * left to each test (some backends' locks are not fair).
 */
export async function expectEachJobClaimedOnce(
  storage: Storage,
  perProcess: readonly ClaimRecord[][],
  ids: readonly string[],
): Promise<void> {
  const claims = perProcess.flat();
  const claimedIds = claims.map((claim) => claim.id);
  expect(new Set(claimedIds).size).toBe(claimedIds.length);
  expect([...claimedIds].sort()).toEqual([...ids].sort());
  expect(claims.every((claim) => claim.attempt === 1 && claim.finished)).toBe(true);
  expect((await storage.counts()).byState).toMatchObject({ succeeded: ids.length, enqueued: 0, processing: 0 });
}
