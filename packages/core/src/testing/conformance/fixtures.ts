// fixtures.ts: small builders the concern files share: jobs brought into any state through the Storage's own
// transitions, claims with defaults, leases, counts. They assert their own setup so a broken step fails where it is.
import { expect } from 'vitest';
import { randomId } from '../../ids.js';
import { isFinishedState, JOB_STATES, type Job, type JobState, type NewJob } from '../../job.js';
import type {
  FetchAndLockParams,
  FinishOutcome,
  Lease,
  RecurringDefinition,
  ServerInfo,
  Storage,
} from '../../storage.js';
import { makeNewJob, type NewJobOverrides } from '../new-job.js';
import type { ConformanceContext } from './context.js';

export const SECOND_MS = 1_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The server id claims are stamped with unless a test names another. */
export const SERVER_ID = 'conformance#server-a';
/** Lease length of claims unless a test names another. */
export const LEASE_MS = 30_000;

/** States a job may still leave by itself (the complement of job.ts's FINISHED_STATES). */
export const UNFINISHED_STATES: readonly JobState[] = JOB_STATES.filter((state) => !isFinishedState(state));

/** `ms` after the clock's current time. */
export function fromNow(ctx: ConformanceContext, ms: number): Date {
  return new Date(ctx.clock.now().getTime() + ms);
}

/** A NewJob stamped with the clock's time. */
export function newJob(ctx: ConformanceContext, overrides: NewJobOverrides = {}): NewJob {
  return makeNewJob(overrides, ctx.clock.now());
}

/** The only element of `items`, failing the test unless there is exactly one. */
export function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

/** Reads a job that must exist. */
export async function mustGet(storage: Storage, id: string): Promise<Job> {
  const job = await storage.get(id);
  expect(job, `job ${id} should exist`).not.toBeNull();
  return job as Job;
}

/** Enqueues one job, expects it written, and returns it as stored. */
export async function enqueueJob(ctx: ConformanceContext, overrides: NewJobOverrides = {}): Promise<Job> {
  const job = newJob(ctx, overrides);
  expect(await ctx.storage.enqueue({ jobs: [job] })).toEqual([{ id: job.id, duplicate: false }]);
  return mustGet(ctx.storage, job.id);
}

/** Enqueues `count` jobs in one batch (overrides per index) and returns them in enqueue order. */
export async function enqueueBatch(
  ctx: ConformanceContext,
  count: number,
  overridesAt: (index: number) => NewJobOverrides = () => ({}),
): Promise<NewJob[]> {
  const jobs = Array.from({ length: count }, (_, index) => newJob(ctx, overridesAt(index)));
  const results = await ctx.storage.enqueue({ jobs });
  expect(results).toEqual(jobs.map((job) => ({ id: job.id, duplicate: false })));
  return jobs;
}

/** `fetchAndLock` with the suite's defaults: server SERVER_ID, every queue, one job, LEASE_MS. */
export function claim(
  ctx: ConformanceContext,
  params: Partial<FetchAndLockParams> = {},
  storage: Storage = ctx.storage,
): Promise<Job[]> {
  return storage.fetchAndLock({ serverId: SERVER_ID, queues: [], limit: 1, leaseMs: LEASE_MS, ...params });
}

/** Claims `job` from its queue, failing unless it is the job claimed. */
export async function claimJob(ctx: ConformanceContext, job: Job): Promise<Job> {
  const claimed = only(await claim(ctx, { queues: [job.queue] }));
  expect(claimed.id, 'setup claimed another job first').toBe(job.id);
  return claimed;
}

/** The lease a claim issued. */
export function leaseOf(job: Job): Lease {
  expect(job.leaseId, `job ${job.id} should hold a lease`).toEqual(expect.any(String));
  return { id: job.id, leaseId: job.leaseId as string };
}

/** A lease id no claim ever issued (a UUID, so typed columns accept it). */
export function staleLease(job: Job): Lease {
  return { id: job.id, leaseId: randomId() };
}

/** The outcome that finishes a claimed job into `state`. */
function outcomeFor(
  ctx: ConformanceContext,
  state: 'succeeded' | 'failed' | 'awaiting_retry',
): Omit<FinishOutcome, 'id' | 'leaseId'> {
  switch (state) {
    case 'succeeded':
      return { to: 'succeeded', result: '{"ok":true}', expiresAt: fromNow(ctx, DAY_MS) };
    case 'failed':
      return { to: 'failed', error: { name: 'Error', message: 'boom' }, expiresAt: fromNow(ctx, 7 * DAY_MS) };
    case 'awaiting_retry':
      return { to: 'awaiting_retry', error: { name: 'Error', message: 'try again' }, runAt: fromNow(ctx, HOUR_MS) };
  }
}

/**
 * Enqueues a job and moves it into `state` through the storage's own transitions (claims come from the job's queue,
 * which must have no other enqueued job ahead of it). Returns the job as stored.
 */
export async function jobIn(ctx: ConformanceContext, state: JobState, overrides: NewJobOverrides = {}): Promise<Job> {
  if (state === 'scheduled') {
    return enqueueJob(ctx, { state: 'scheduled', runAt: fromNow(ctx, HOUR_MS), ...overrides });
  }
  const job = await enqueueJob(ctx, overrides);
  if (state === 'enqueued') return job;
  if (state === 'deleted') return ctx.storage.cancel({ id: job.id, expiresAt: fromNow(ctx, DAY_MS) });
  const claimed = await claimJob(ctx, job);
  if (state === 'processing') return claimed;
  expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(claimed), ...outcomeFor(ctx, state) }] })).toEqual([true]);
  const finished = await mustGet(ctx.storage, job.id);
  expect(finished.state).toBe(state);
  return finished;
}

/**
 * One job in each of `states`, returned in that order. Jobs that need a claim are made first, so no plain enqueued
 * job stands ahead of a setup claim in the shared queue.
 */
export async function jobsIn(
  ctx: ConformanceContext,
  states: readonly JobState[],
  overrides: NewJobOverrides = {},
): Promise<Job[]> {
  const needsClaim = (state: JobState) => state !== 'enqueued' && state !== 'scheduled' && state !== 'deleted';
  const made = new Map<number, Job>();
  const order = states.map((state, index) => ({ state, index }));
  order.sort((a, b) => Number(needsClaim(b.state)) - Number(needsClaim(a.state)));
  for (const { state, index } of order) made.set(index, await jobIn(ctx, state, overrides));
  return states.map((_, index) => made.get(index) as Job);
}

/** How many jobs the storage holds, over every state. */
export async function jobTotal(storage: Storage): Promise<number> {
  const { byState } = await storage.counts();
  return Object.values(byState).reduce((sum, n) => sum + n, 0);
}

/** Ids sorted, for comparing sets of jobs whatever order they came in. */
export function sortedIds(jobs: readonly { id: string }[]): string[] {
  return jobs.map((job) => job.id).sort();
}

/** A server row as the heartbeat loop registers it. */
export function makeServerInfo(id: string, lastHeartbeatAt: Date): ServerInfo {
  return {
    id,
    name: 'conformance',
    hostname: 'host-1',
    pid: 4242,
    queues: ['default', 'emails'],
    workerCount: 4,
    startedAt: new Date(lastHeartbeatAt.getTime() - SECOND_MS),
    lastHeartbeatAt,
  };
}

/** A recurring definition due in an hour, as the server stores it. */
export function makeDefinition(
  ctx: ConformanceContext,
  overrides: Partial<RecurringDefinition> = {},
): RecurringDefinition {
  const now = ctx.clock.now();
  return {
    id: 'nightly',
    cron: '0 0 3 * * *',
    timezone: 'Europe/Paris',
    method: 'cleanup',
    payload: '{"deep":true}',
    queue: 'default',
    priority: 0,
    maxAttempts: 3,
    timeoutMs: null,
    metadata: {},
    misfire: 'once',
    overlap: 'allow',
    nextRunAt: fromNow(ctx, HOUR_MS),
    lastRunAt: null,
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}
