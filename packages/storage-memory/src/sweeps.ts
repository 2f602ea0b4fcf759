// sweeps.ts: the time-driven moves over the JobTable's heaps: promotion of due jobs, lapsed leases, dead servers'
// jobs and expired finished jobs. Each reads only the due head of one index, never the whole table.
import type { MovedJob } from '@jobsmith/core/storage';
import type { JobTable } from './job-table.js';
import { jobFromRecord } from './records.js';
import { lapsedPatch } from './transitions.js';

/** Due `scheduled` / `awaiting_retry` jobs -> `enqueued` (runAt kept), earliest first, at most `limit`. */
export function promoteDue(jobs: JobTable, now: number, limit: number): MovedJob[] {
  const moved: MovedJob[] = [];
  for (let record = jobs.firstDue(now); record !== undefined && moved.length < limit; record = jobs.firstDue(now)) {
    moved.push({ job: jobFromRecord(jobs.update(record, { state: 'enqueued', updatedAt: now })), from: record.state });
  }
  return moved;
}

/** `processing` jobs whose lease lapsed by `now` -> `enqueued`, or `failed` with no attempt left; at most `limit`. */
export function requeueExpiredLeases(
  jobs: JobTable,
  now: number,
  limit: number,
  failedExpiresAt: Date | null,
): MovedJob[] {
  const moved: MovedJob[] = [];
  const at = new Date(now).toISOString();
  for (
    let record = jobs.firstExpiredLease(now);
    record !== undefined && moved.length < limit;
    record = jobs.firstExpiredLease(now)
  ) {
    const reason = `lease expired: server ${record.lockedBy} did not renew it by ${at}`;
    const next = jobs.update(record, lapsedPatch(record, now, failedExpiresAt, reason));
    moved.push({ job: jobFromRecord(next), from: record.state });
  }
  return moved;
}

/** Hands back every job `serverId` was processing, as a lapsed lease would; returns them as moved. */
export function reclaimServerJobs(jobs: JobTable, serverId: string, now: number, failedExpiresAt: Date | null) {
  const reason = `server ${serverId} died while processing the job`;
  return jobs.processingJobsOf(serverId).map((id) => {
    const record = jobs.get(id)!;
    return jobFromRecord(jobs.update(record, lapsedPatch(record, now, failedExpiresAt, reason)));
  });
}

/** Deletes finished jobs with expiresAt <= now, earliest first, at most `limit`; returns how many. */
export function purgeExpired(jobs: JobTable, now: number, limit: number): number {
  let purged = 0;
  for (let record = jobs.firstExpired(now); record !== undefined && purged < limit; record = jobs.firstExpired(now)) {
    jobs.remove(record.id);
    purged += 1;
  }
  return purged;
}
