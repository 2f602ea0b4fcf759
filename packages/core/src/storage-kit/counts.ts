// counts.ts: JobCounts from a backend's per-queue, per-state tallies, folded one way for every backend (every state
// present, zeros included, a queue listed only when it has a job).
import { JOB_STATES, type JobState } from '../job.js';
import type { JobCounts } from '../storage.js';

/** How many jobs of one queue are in one state: a row of `GROUP BY queue, state`, or a backend's own tally. */
export interface CountRow {
  queue: string;
  state: JobState;
  n: number;
}

/** Every state at zero. */
export function zeroCounts(): Record<JobState, number> {
  return Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
}

/** The JobCounts of `rows`; rows naming the same queue and state add up. */
export function foldCounts(rows: Iterable<CountRow>): JobCounts {
  const counts: JobCounts = { byState: zeroCounts(), byQueue: {} };
  for (const { queue, state, n } of rows) {
    counts.byState[state] += n;
    counts.byQueue[queue] ??= zeroCounts();
    counts.byQueue[queue][state] += n;
  }
  return counts;
}
