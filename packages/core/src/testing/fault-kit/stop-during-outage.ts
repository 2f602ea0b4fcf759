// stop-during-outage.ts: a child running `slow` jobs gets SIGTERM while the store does not answer (the proxy stalls
// every connection, or another connection holds the write lock). Its stop() cannot hand the jobs back or deregister,
// yet it must give up and exit in bounded time. Once the store answers again the other child recovers the stopped
// child's jobs, whichever way they come back (a hand-back that landed late, the dead server's reclaim, a lapsed lease).
//
// What is asserted, precisely: the stopped child exits (code 0, after saying `stopped`) within shutdownTimeoutMs +
// 5 s (the server's own stop bound: handlers get shutdownTimeoutMs, the last writes 5 s more) + 1 s to close its
// storage and exit, all while the outage lasts; the other child stays alive; every job ends `succeeded` and nothing
// is left unfinished. By the handlers' ledger each job runs exactly once, except that a job may run a second time when
// its first run was in the stopped child and that child never reported it finished (a `stateChange` to a finished
// state, which a child emits only once the store confirmed the write): its result never reached the store, so it must
// run again, once, in the other child. Attempt numbers are not checked here: a claim the stopped child sent into the
// outage may land after it exited, and the dead-server reclaim that frees such jobs keeps the attempt they spent.
import { performance } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import { systemClock } from '../../clock.js';
import type { JobState } from '../../job.js';
import type { Storage } from '../../storage.js';
import type { ChildMessage, RunRecord } from '../process-kit/protocol.js';
import type { ServerProcess } from '../process-kit/server-process.js';
import type { FaultContext } from './context.js';
import { runsByJob, summarizeLedger } from './ledger.js';
import { hasOutage, storeOutage } from './outage.js';
import { type FaultScenario, roundSuffix } from './scenario.js';
import { enqueueSlowJobs, reportFigures, seconds, waitUntilSettled } from './workload.js';

/** The moves a child reports once the store confirmed a handler's result. */
const FINISHED: readonly JobState[] = ['succeeded', 'failed', 'awaiting_retry'];
const SHUTDOWN_TIMEOUT_MS = 2_000;
/** What stop() may take beyond shutdownTimeoutMs for the last writes and the loops (the server's bound), in ms. */
const STOP_MARGIN_MS = 5_000;
/** What the child may take after stop() to close its storage and exit, in ms. */
const EXIT_ALLOWANCE_MS = 1_000;
/** How long a hung child is given to exit after the outage ends (for the figures), in ms. */
const HUNG_EXIT_WAIT_MS = 20_000;
const JOBS = 24;
/** Long enough that the stopped child holds running jobs when it is told to stop. */
const JOB_MS = 3_000;

const CONFIG = {
  workerCount: 4,
  pollingIntervalMs: 200,
  heartbeatIntervalMs: 500,
  deadServerTimeoutMs: 5_000,
  // Outlasts the outage (at most the exit bound) three times over: the surviving child's jobs keep their leases.
  leaseMs: 15_000,
  shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS,
};

/** The stop-specific reading of the ledger: what ran twice, and whether the rerun was allowed. */
interface StopLedger {
  jobs: number;
  succeeded: number;
  neverRan: number;
  /** Second runs of the stopped child's jobs whose result it never reported: allowed, counted for the figures. */
  rerunsOfUnreportedResults: number;
  /** Every other job that ran more than once. */
  disallowedReruns: number;
  left: Record<string, number>;
  exitedUnexpectedly: string[];
}

export const stopDuringOutageScenario: FaultScenario = {
  name: 'stop-during-outage',
  // About 25 s: the stopped child's jobs may only come back once their 15 s leases lapse.
  slow: true,
  applies: hasOutage,
  register<S extends Storage>(ctx: FaultContext<S>, round: number): void {
    const boundMs = SHUTDOWN_TIMEOUT_MS + STOP_MARGIN_MS + EXIT_ALLOWANCE_MS;
    it(`exits within ${seconds(boundMs)} of SIGTERM while the store does not answer; its jobs run elsewhere${roundSuffix(round)}`, {
      timeout: 150_000,
    }, async () => {
      const { processes, client, storage } = ctx;
      const [stopping, other] = await Promise.all([processes.start('a', CONFIG), processes.start('b', CONFIG)]);
      const ids = await enqueueSlowJobs(client, JOBS, { ms: JOB_MS });
      await processes.waitUntil(
        () => stopping.records.length >= CONFIG.workerCount && other.records.length > 0,
        'both children to run jobs, a with every worker busy',
      );

      const outage = storeOutage(ctx);
      await outage.begin();
      const signalledAt = performance.now();
      let stopResolvedMs: number | null = null;
      stopping.child.on('message', (message: ChildMessage) => {
        if (message.type === 'serverStopped') stopResolvedMs = Math.round(performance.now() - signalledAt);
      });
      const exited = stopping.kill('SIGTERM');
      const exitMs = await timeToExit(exited, signalledAt, boundMs);
      await outage.end();
      const endedAt = performance.now();
      const lateExitMs = exitMs ?? (await timeToExit(exited, signalledAt, boundMs + HUNG_EXIT_WAIT_MS));
      if (lateExitMs === null) await stopping.kill('SIGKILL');

      const settling = await waitUntilSettled(storage, processes, ids.length);
      const ledger = await stopLedger(ctx, stopping, ids);
      reportFigures(
        ctx.harness.name,
        'stop during outage',
        `${outage.what}; a's stop() resolved ${stopResolvedMs === null ? 'never' : `in ${seconds(stopResolvedMs)}`}, ` +
          `it exited ${exitMs === null ? `NOT within ${seconds(boundMs)}` : `in ${seconds(exitMs)}`}` +
          `${exitMs === null ? ` (${lateExitMs === null ? 'still running, killed' : `after ${seconds(lateExitMs)}`})` : ''}` +
          `, code ${stopping.exit?.code ?? stopping.exit?.signal}; ${settling.settled ? 'settled' : 'NOT settled'} ` +
          `${seconds(performance.now() - endedAt)} after the outage ended; ${JSON.stringify(ledger)}`,
      );
      expect(exitMs, `ms from SIGTERM to exit (bound ${boundMs})`).not.toBeNull();
      expect(stopping.exit, stopping.describe()).toEqual({ code: 0, signal: null });
      expect(stopping.messages.some((message) => message.type === 'stopped')).toBe(true);
      const { rerunsOfUnreportedResults: _allowed, ...checked } = ledger;
      expect(checked).toEqual({
        jobs: ids.length,
        succeeded: ids.length,
        neverRan: 0,
        disallowedReruns: 0,
        left: { enqueued: 0, scheduled: 0, processing: 0, awaiting_retry: 0, failed: 0 },
        exitedUnexpectedly: [],
      });
    });
  },
};

/** Ms from `signalledAt` until the child exited, or null if it had not within `boundMs`. */
async function timeToExit(exited: Promise<unknown>, signalledAt: number, boundMs: number): Promise<number | null> {
  const timer = new AbortController();
  const remaining = Math.max(0, boundMs - (performance.now() - signalledAt));
  const outcome = await Promise.race([
    exited.then(() => Math.round(performance.now() - signalledAt)),
    systemClock.sleep(remaining, timer.signal).then(() => null),
  ]);
  timer.abort();
  return outcome;
}

/** Reads the ledger as the header says: reruns allowed only for the stopped child's unreported results. */
async function stopLedger<S extends Storage>(
  ctx: FaultContext<S>,
  stopped: ServerProcess,
  ids: readonly string[],
): Promise<StopLedger> {
  const { summary } = await summarizeLedger(ctx.storage, ctx.processes, ids);
  const runs = runsByJob(ctx.processes.records);
  let allowed = 0;
  let disallowed = 0;
  for (const id of ids) {
    const jobRuns = runs.get(id) ?? [];
    if (jobRuns.length <= 1) continue;
    if (isAllowedRerun(jobRuns, stopped, id)) allowed++;
    else disallowed++;
  }
  return {
    jobs: summary.jobs,
    succeeded: summary.succeeded,
    neverRan: summary.neverRan,
    rerunsOfUnreportedResults: allowed,
    disallowedReruns: disallowed,
    left: summary.left,
    exitedUnexpectedly: summary.exitedUnexpectedly,
  };
}

/** Two runs, the first in the stopped child (which never reported the job finished), the second elsewhere. */
function isAllowedRerun(jobRuns: readonly RunRecord[], stopped: ServerProcess, id: string): boolean {
  const [first, second] = jobRuns;
  if (jobRuns.length !== 2 || first?.process !== stopped.name || second?.process === stopped.name) return false;
  return !FINISHED.some((to) => stopped.reached(id, to));
}
