// producer-exit.ts: the parent side of the producer-exit check every backend with a connection runs: a producer
// script (a storage, a JobClient, one enqueue, its id printed, no close()) is started as its own process, as an app
// would run it, and must end by itself soon after the enqueue. Real time on purpose: what is checked is that the OS
// process ends, which only its event loop decides.
import { spawn } from 'node:child_process';
import { expect } from 'vitest';
import type { Storage } from '../../storage.js';

export interface ProducerExitParams {
  /** The node arguments that start the producer script: loader flags, the script, its args. */
  nodeArgs: string[];
  /** The script's working directory. */
  cwd: string;
  /** Added to the script's environment. */
  env?: Readonly<Record<string, string>>;
  /** A storage over the producer's data, to find the job it enqueued. */
  storage: Storage;
  /** How long the process may live on after printing the job's id, in ms. @defaultValue 5000 */
  exitWithinMs?: number;
  /** How long it may take to print the id (start-up, connect, migrate, enqueue), in ms. @defaultValue 60000 */
  enqueueWithinMs?: number;
}

/**
 * Runs the producer script and fails unless it prints a job id, exits with code 0 within `exitWithinMs` after that,
 * and the job is stored, enqueued. Resolves with how long the process lived on after printing the id, in ms. A
 * process still running at a bound is killed.
 */
export async function expectProducerExits(params: ProducerExitParams): Promise<number> {
  const { exitWithinMs = 5_000, enqueueWithinMs = 60_000 } = params;
  const child = spawn(process.execPath, params.nodeArgs, { cwd: params.cwd, env: { ...process.env, ...params.env } });
  let stdout = '';
  let stderr = '';
  let printedAt: number | null = null;
  let timer = setTimeout(() => child.kill(), enqueueWithinMs);
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (printedAt !== null || !stdout.includes('\n')) return;
    printedAt = performance.now();
    clearTimeout(timer);
    timer = setTimeout(() => child.kill(), exitWithinMs);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('close', (exitCode, exitSignal) => resolve([exitCode, exitSignal]));
  });
  clearTimeout(timer);
  const livedOnMs = printedAt === null ? null : performance.now() - printedAt;
  const ended = signal === null ? `exited with code ${code}` : `was killed (${signal})`;
  expect(printedAt, `the producer printed no job id and ${ended}: ${stderr}`).not.toBeNull();
  expect(signal, `the producer was still running ${exitWithinMs} ms after its enqueue`).toBeNull();
  expect(code, `the producer ${ended}: ${stderr}`).toBe(0);
  const id = stdout.trim();
  expect(await params.storage.get(id), `job ${id} the producer enqueued`).toMatchObject({ id, state: 'enqueued' });
  return livedOnMs as number;
}
