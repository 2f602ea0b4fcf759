// server/local-queue.ts: jobs this server has claimed but not yet started (the opt-in `localQueueSize`), in claim
// order. It only holds them: the dispatcher fills and drains it, the lease renewer keeps their leases alive, and
// `stop()` hands them back. A job here never runs until the dispatcher gives it to the executor.
import type { Job } from '../job.js';
import type { Lease } from '../storage.js';

/** A FIFO of claimed jobs waiting for a free worker slot. */
export class LocalQueue {
  private jobs: Job[] = [];
  /** Index of the oldest job in `jobs`; the array is compacted once the consumed prefix dominates. */
  private head = 0;

  /** Jobs waiting. */
  get size(): number {
    return this.jobs.length - this.head;
  }

  /** Appends claimed jobs, keeping their claim order. */
  push(jobs: readonly Job[]): void {
    for (const job of jobs) this.jobs.push(job);
  }

  /** The oldest waiting job, removed; undefined when empty. */
  shift(): Job | undefined {
    if (this.head >= this.jobs.length) return undefined;
    const job = this.jobs[this.head];
    this.head++;
    if (this.head === this.jobs.length) this.reset();
    else if (this.head > 64 && this.head * 2 > this.jobs.length) this.compact();
    return job;
  }

  /** Drops the job with `jobId` (cancelled, or its lease lost); false when it is not waiting here. */
  remove(jobId: string): Job | undefined {
    for (let i = this.head; i < this.jobs.length; i++) {
      const job = this.jobs[i];
      if (job?.id !== jobId) continue;
      this.jobs.splice(i, 1);
      if (this.head === this.jobs.length) this.reset();
      return job;
    }
    return undefined;
  }

  /** Removes and returns every waiting job, oldest first. */
  drain(): Job[] {
    const jobs = this.jobs.slice(this.head);
    this.reset();
    return jobs;
  }

  /** The leases of the waiting jobs, oldest first, for the shared renewal. */
  leases(): Lease[] {
    const leases: Lease[] = [];
    for (let i = this.head; i < this.jobs.length; i++) {
      const job = this.jobs[i]!;
      leases.push({ id: job.id, leaseId: job.leaseId ?? '' });
    }
    return leases;
  }

  private reset(): void {
    this.jobs = [];
    this.head = 0;
  }

  private compact(): void {
    this.jobs = this.jobs.slice(this.head);
    this.head = 0;
  }
}
