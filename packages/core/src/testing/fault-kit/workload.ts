// workload.ts: what every fault scenario does around its fault: enqueue a few hundred jobs, wait until the children
// are mid-run, and after the fault wait (bounded) until the store is settled, timing the recovery. Waiting never
// fails here: a store that does not settle is reported by the ledger check with figures. Real time on purpose: the
// children are real processes and the faults real sockets, locks and clocks.
import { performance } from 'node:perf_hooks';
import type { EnqueueItem, JobClient } from '../../client.js';
import { systemClock } from '../../clock.js';
import type { Storage } from '../../storage.js';
import type { ChildServerConfig } from '../process-kit/protocol.js';
import type { ServerProcesses } from '../process-kit/server-processes.js';
import { type SlowPayload, TEST_METHODS } from '../process-kit/test-handlers.js';
import { isSettled } from './ledger.js';

/** The children's lease unless a scenario says otherwise, in ms: longer than any fault of the suite's own. */
export const FAULT_LEASE_MS = 6_000;

/** The children's config unless a scenario says otherwise: short polls and beats, a lease longer than any fault. */
export const FAULT_SERVER_CONFIG: Readonly<ChildServerConfig> = Object.freeze({
  workerCount: 4,
  pollingIntervalMs: 200,
  heartbeatIntervalMs: 500,
  deadServerTimeoutMs: 10_000,
  leaseMs: FAULT_LEASE_MS,
});

/** Jobs per scenario: enough for every child to be mid-run when the fault strikes. */
export const FAULT_JOBS = 300;
/** How long each `slow` job takes, in ms: 300 of them keep 2 children of 4 workers busy for about 4 s. */
export const FAULT_JOB_MS = 100;
/** Runs reported before the fault is injected (a quarter of the jobs). */
export const RUNS_BEFORE_FAULT = FAULT_JOBS / 4;
/** Longest wait for the store to settle after a fault, in ms. */
export const SETTLE_TIMEOUT_MS = 45_000;

const ENQUEUE_BATCH = 100;
const SETTLE_POLL_MS = 100;

/** Enqueues `count` `slow` jobs of `ms` each on `queue` and returns their ids in order. */
export async function enqueueSlowJobs(
  client: JobClient,
  count: number,
  { ms = FAULT_JOB_MS, queue }: { ms?: number; queue?: string } = {},
): Promise<string[]> {
  const ids: string[] = [];
  const payload: SlowPayload = { ms };
  for (let done = 0; done < count; done += ENQUEUE_BATCH) {
    const items: EnqueueItem[] = Array.from({ length: Math.min(ENQUEUE_BATCH, count - done) }, () => ({
      method: TEST_METHODS.slow,
      payload,
      options: queue === undefined ? undefined : { queue },
    }));
    ids.push(...(await client.enqueueMany(items)));
  }
  return ids;
}

/** Resolves once the children together reported `count` runs; rejects on a timeout or an unexpected exit. */
export function waitForRuns(processes: ServerProcesses, count: number): Promise<void> {
  return processes.waitUntil(() => processes.records.length >= count, `${count} runs to be reported`);
}

/** How a wait for the store to settle ended. */
export interface Settling {
  settled: boolean;
  /** From the start of the wait to the end, in ms. */
  elapsedMs: number;
}

/**
 * Waits until the store holds at least `jobs` finished jobs and nothing unfinished, a child exits unasked, or
 * `timeoutMs` passes. Never rejects: the caller's ledger check says what is wrong.
 */
export async function waitUntilSettled(
  storage: Storage,
  processes: ServerProcesses,
  jobs: number,
  timeoutMs = SETTLE_TIMEOUT_MS,
): Promise<Settling> {
  const startedAt = performance.now();
  const elapsedMs = () => Math.round(performance.now() - startedAt);
  for (;;) {
    const { byState } = await storage.counts();
    if (isSettled(byState) && byState.succeeded + byState.failed >= jobs)
      return { settled: true, elapsedMs: elapsedMs() };
    const crashed = processes.processes.some((child) => child.exitedUnexpectedly);
    if (crashed || elapsedMs() >= timeoutMs) return { settled: false, elapsedMs: elapsedMs() };
    await systemClock.sleep(SETTLE_POLL_MS);
  }
}

/** Prints one scenario's figures for the record (recovery times, faults injected). */
export function reportFigures(backend: string, scenario: string, figures: string): void {
  console.info(`[faults: ${backend}] ${scenario}: ${figures}`);
}

/** `ms` as seconds with one decimal, for figures. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
