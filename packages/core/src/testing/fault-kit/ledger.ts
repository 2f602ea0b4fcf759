// ledger.ts: the end state every fault scenario checks, from the handlers' own ledger (the RunRecords children
// report as a handler starts) and the store: each job succeeded, its handler ran exactly once at attempt 1, nothing
// is left unfinished, and every child the test did not stop is alive. Failures are figures, not a bare "false".
import { expect } from 'vitest';
import type { JobState } from '../../job.js';
import type { Storage } from '../../storage.js';
import type { RunRecord } from '../process-kit/protocol.js';
import type { ServerProcesses } from '../process-kit/server-processes.js';

/** The unfinished states: a settled store holds no job in any of them. */
const UNFINISHED: readonly JobState[] = ['enqueued', 'scheduled', 'processing', 'awaiting_retry'];

/** What the ledger and the store say about a scenario's jobs once it is over. */
export interface LedgerSummary {
  jobs: number;
  /** Of the jobs, how many the store holds as `succeeded`. */
  succeeded: number;
  /** Jobs whose handler ran exactly once, at attempt 1. */
  ranOnce: number;
  /** Jobs whose handler ran once but at a later attempt (an attempt spent by a claim that never ran). */
  ranOnceAtLaterAttempt: number;
  /** Jobs whose handler ran more than once. */
  ranMoreThanOnce: number;
  /** Jobs whose handler never ran. */
  neverRan: number;
  /** Store-wide jobs in each unfinished state, and failed ones. */
  left: Record<'enqueued' | 'scheduled' | 'processing' | 'awaiting_retry' | 'failed', number>;
  /** Children that exited without the test asking. */
  exitedUnexpectedly: string[];
}

/** Every handler execution of each job, in arrival order. */
export function runsByJob(records: readonly RunRecord[]): Map<string, RunRecord[]> {
  const runs = new Map<string, RunRecord[]>();
  for (const record of records) {
    const list = runs.get(record.jobId);
    if (list) list.push(record);
    else runs.set(record.jobId, [record]);
  }
  return runs;
}

/** Reads the ledger and the store for `ids`. */
export async function summarizeLedger(
  storage: Storage,
  processes: ServerProcesses,
  ids: readonly string[],
): Promise<{ summary: LedgerSummary; details: string }> {
  const runs = runsByJob(processes.records);
  const succeeded = await succeededIds(storage, ids.length);
  const { byState } = await storage.counts();
  const twice: string[] = [];
  let ranOnce = 0;
  let ranOnceAtLaterAttempt = 0;
  let neverRan = 0;
  for (const id of ids) {
    const jobRuns = runs.get(id) ?? [];
    if (jobRuns.length === 0) neverRan++;
    else if (jobRuns.length > 1) twice.push(id);
    else if (jobRuns[0]?.attempt === 1) ranOnce++;
    else ranOnceAtLaterAttempt++;
  }
  const summary: LedgerSummary = {
    jobs: ids.length,
    succeeded: ids.filter((id) => succeeded.has(id)).length,
    ranOnce,
    ranOnceAtLaterAttempt,
    ranMoreThanOnce: twice.length,
    neverRan,
    left: {
      enqueued: byState.enqueued,
      scheduled: byState.scheduled,
      processing: byState.processing,
      awaiting_retry: byState.awaiting_retry,
      failed: byState.failed,
    },
    exitedUnexpectedly: processes.processes.filter((child) => child.exitedUnexpectedly).map((child) => child.name),
  };
  const examples = twice.slice(0, 5).map((id) => {
    const where = (runs.get(id) ?? []).map((run) => `${run.process}@${run.attempt}`).join(', ');
    return `  ${id} ran ${runs.get(id)?.length} times: ${where}`;
  });
  const details = [`ledger of ${ids.length} jobs`, ...examples].join('\n');
  return { summary, details };
}

/** The summary of `jobs` jobs that each ran once at attempt 1 and succeeded, in a settled store. */
export function exactlyOnceSummary(jobs: number): LedgerSummary {
  return {
    jobs,
    succeeded: jobs,
    ranOnce: jobs,
    ranOnceAtLaterAttempt: 0,
    ranMoreThanOnce: 0,
    neverRan: 0,
    left: { enqueued: 0, scheduled: 0, processing: 0, awaiting_retry: 0, failed: 0 },
    exitedUnexpectedly: [],
  };
}

/** Asserts the end state of a scenario: every job of `ids` done exactly once, nothing stuck, every child alive. */
export async function expectEachJobDoneOnce(
  storage: Storage,
  processes: ServerProcesses,
  ids: readonly string[],
): Promise<LedgerSummary> {
  const { summary, details } = await summarizeLedger(storage, processes, ids);
  expect(summary, details).toEqual(exactlyOnceSummary(ids.length));
  return summary;
}

/** Whether the store holds no unfinished job. */
export function isSettled(byState: Record<JobState, number>): boolean {
  return UNFINISHED.every((state) => byState[state] === 0);
}

/** The ids of the store's succeeded jobs (the scenario's store holds about `expected` of them). */
async function succeededIds(storage: Storage, expected: number): Promise<Set<string>> {
  const limit = Math.max(1_000, expected * 2);
  const jobs = await storage.list({ state: 'succeeded', limit, offset: 0 });
  return new Set(jobs.map((job) => job.id));
}
