// storage-input.ts: conformance of the seam's own input checks (storage-kit/input-checks.ts, applied by
// withInputChecks): a direct caller of the Storage passing a bad value gets a ValidationError naming the same field on
// every backend, and nothing is written.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../errors.js';
import type { Storage } from '../../storage.js';
import { type CheckedMethod, storageChecks } from '../../storage-kit/input-checks.js';
import type { ConformanceContext } from './context.js';
import { claimJob, enqueueJob, jobTotal, leaseOf, makeDefinition, makeServerInfo, newJob } from './fixtures.js';

const INVALID_DATE = new Date(Number.NaN);

interface BadCall {
  /** The Storage method the call drives: every checked method has at least one (see the completeness test). */
  method: CheckedMethod;
  what: string;
  /** The `field` the ValidationError must name. */
  field: string;
  call(storage: Storage, ctx: ConformanceContext): Promise<unknown>;
}

/** Casts a deliberately wrong value past the types, as an untyped caller would pass it. */
const bad = <T>(value: unknown): T => value as T;

const BAD_CALLS: readonly BadCall[] = [
  {
    method: 'enqueue',
    what: 'enqueue with a payload that is not JSON',
    field: 'jobs[1].payload',
    call: (storage, ctx) => storage.enqueue({ jobs: [newJob(ctx), newJob(ctx, { payload: '{oops' })] }),
  },
  {
    method: 'enqueue',
    what: 'enqueue with a priority above int32',
    field: 'jobs[0].priority',
    call: (storage, ctx) => storage.enqueue({ jobs: [newJob(ctx, { priority: 2 ** 31 })] }),
  },
  {
    method: 'enqueue',
    what: 'enqueue with maxAttempts 0',
    field: 'jobs[0].maxAttempts',
    call: (storage, ctx) => storage.enqueue({ jobs: [newJob(ctx, { maxAttempts: 0 })] }),
  },
  {
    method: 'enqueue',
    what: 'enqueue with an Invalid Date runAt',
    field: 'jobs[0].runAt',
    call: (storage, ctx) => storage.enqueue({ jobs: [newJob(ctx, { runAt: INVALID_DATE })] }),
  },
  {
    method: 'enqueue',
    what: 'enqueue with a non-string metadata value',
    field: 'jobs[0].metadata.n',
    call: (storage, ctx) => storage.enqueue({ jobs: [newJob(ctx, { metadata: bad({ n: 1 }) })] }),
  },
  {
    method: 'enqueue',
    what: 'enqueue with an unknown onDuplicate',
    field: 'jobs[0].onDuplicate',
    call: (storage, ctx) => storage.enqueue({ jobs: [newJob(ctx, { uniqueKey: 'k', onDuplicate: bad('merge') })] }),
  },
  {
    method: 'enqueue',
    what: "enqueue with onDuplicate 'replace' and no uniqueKey",
    field: 'jobs[0].onDuplicate',
    call: (storage, ctx) => storage.enqueue({ jobs: [newJob(ctx, { onDuplicate: 'replace' })] }),
  },
  { method: 'get', what: 'get with an empty id', field: 'id', call: (storage) => storage.get('') },
  {
    method: 'list',
    what: 'list with a negative limit',
    field: 'limit',
    call: (storage) => storage.list({ limit: -1, offset: 0 }),
  },
  {
    method: 'list',
    what: 'list with an unknown state',
    field: 'state',
    call: (storage) => storage.list({ state: bad('lost'), limit: 1, offset: 0 }),
  },
  {
    method: 'cancel',
    what: 'cancel with an Invalid Date expiresAt',
    field: 'expiresAt',
    call: (storage) => storage.cancel({ id: 'job-1', expiresAt: INVALID_DATE }),
  },
  {
    method: 'fetchAndLock',
    what: 'fetchAndLock with leaseMs 0',
    field: 'leaseMs',
    call: (storage) => storage.fetchAndLock({ serverId: 's', queues: [], limit: 1, leaseMs: 0 }),
  },
  {
    method: 'fetchAndLock',
    what: 'fetchAndLock with an empty queue name',
    field: 'queues[1]',
    call: (storage) => storage.fetchAndLock({ serverId: 's', queues: ['a', ''], limit: 1, leaseMs: 1_000 }),
  },
  {
    method: 'finish',
    what: 'finish to a state that is not a finish state',
    field: 'outcomes[0].to',
    call: (storage) => storage.finish({ outcomes: [{ id: 'job-1', leaseId: 'lease-1', to: bad('enqueued') }] }),
  },
  {
    method: 'finish',
    what: 'finish to awaiting_retry without runAt',
    field: 'outcomes[0].runAt',
    call: (storage) => storage.finish({ outcomes: [{ id: 'job-1', leaseId: 'lease-1', to: 'awaiting_retry' }] }),
  },
  {
    method: 'finish',
    what: 'finish to scheduled (a snooze) without runAt',
    field: 'outcomes[0].runAt',
    call: (storage) => storage.finish({ outcomes: [{ id: 'job-1', leaseId: 'lease-1', to: 'scheduled' }] }),
  },
  {
    method: 'finish',
    what: 'finish with a result that is not JSON',
    field: 'outcomes[0].result',
    call: (storage) =>
      storage.finish({ outcomes: [{ id: 'job-1', leaseId: 'lease-1', to: 'succeeded', result: 'nope' }] }),
  },
  {
    method: 'finish',
    what: 'finish with an Invalid Date now',
    field: 'now',
    call: (storage) =>
      storage.finish({ outcomes: [{ id: 'job-1', leaseId: 'lease-1', to: 'succeeded' }], now: INVALID_DATE }),
  },
  {
    method: 'renewLeases',
    what: 'renewLeases with an Invalid Date lockedUntil',
    field: 'lockedUntil',
    call: (storage) => storage.renewLeases({ leases: [], lockedUntil: INVALID_DATE }),
  },
  {
    method: 'recordProgress',
    what: 'recordProgress with a NaN progress',
    field: 'reports[0].progress',
    call: (storage) => storage.recordProgress({ reports: [{ id: 'job-1', leaseId: 'lease-1', progress: Number.NaN }] }),
  },
  {
    method: 'release',
    what: 'release without an array',
    field: 'leases',
    call: (storage) => storage.release({ leases: bad({}) }),
  },
  {
    method: 'promoteDue',
    what: 'promoteDue with a fractional limit',
    field: 'limit',
    call: (storage, ctx) => storage.promoteDue({ now: ctx.clock.now(), limit: 1.5 }),
  },
  {
    method: 'requeueExpiredLeases',
    what: 'requeueExpiredLeases with an Invalid Date now',
    field: 'now',
    call: (storage) => storage.requeueExpiredLeases({ now: INVALID_DATE, limit: 1, failedExpiresAt: null }),
  },
  {
    method: 'purgeExpired',
    what: 'purgeExpired with a negative limit',
    field: 'limit',
    call: (storage, ctx) => storage.purgeExpired({ now: ctx.clock.now(), limit: -1 }),
  },
  {
    method: 'registerServer',
    what: 'registerServer with a fractional pid',
    field: 'info.pid',
    call: (storage, ctx) => storage.registerServer({ ...makeServerInfo('jobsmith#1', ctx.clock.now()), pid: 1.5 }),
  },
  {
    method: 'reclaimDeadServers',
    what: 'reclaimDeadServers with an Invalid Date before',
    field: 'before',
    call: (storage) => storage.reclaimDeadServers({ before: INVALID_DATE, failedExpiresAt: null }),
  },
  {
    method: 'upsertRecurring',
    what: 'upsertRecurring with an unknown misfire policy',
    field: 'def.misfire',
    call: (storage, ctx) => storage.upsertRecurring(makeDefinition(ctx, { misfire: bad('twice') })),
  },
  {
    method: 'upsertRecurring',
    what: 'upsertRecurring with an unknown overlap policy',
    field: 'def.overlap',
    call: (storage, ctx) => storage.upsertRecurring(makeDefinition(ctx, { overlap: bad('sometimes') })),
  },
  {
    method: 'listDueRecurring',
    what: 'listDueRecurring with an Invalid Date',
    field: 'now',
    call: (storage) => storage.listDueRecurring(INVALID_DATE),
  },
  {
    method: 'retryFailed',
    what: 'retryFailed with an id that is not a string',
    field: 'id',
    call: (storage) => storage.retryFailed(bad(7)),
  },
  { method: 'delete', what: 'delete with an empty id', field: 'id', call: (storage) => storage.delete('') },
  {
    method: 'releaseLostClaims',
    what: 'releaseLostClaims with an empty held lease id',
    field: 'heldLeaseIds[0]',
    call: (storage) => storage.releaseLostClaims({ serverId: 'jobsmith#1', heldLeaseIds: [''] }),
  },
  {
    method: 'heartbeatServer',
    what: 'heartbeatServer with an empty id',
    field: 'id',
    call: (storage) => storage.heartbeatServer(''),
  },
  {
    method: 'deregisterServer',
    what: 'deregisterServer with an id that is not a string',
    field: 'id',
    call: (storage) => storage.deregisterServer(bad(null)),
  },
  {
    method: 'removeRecurring',
    what: 'removeRecurring with an empty id',
    field: 'id',
    call: (storage) => storage.removeRecurring(''),
  },
  {
    method: 'fireRecurring',
    what: 'fireRecurring with a firing whose payload is not JSON',
    field: 'job.payload',
    call: (storage, ctx) =>
      storage.fireRecurring({
        id: 'nightly',
        expectedRunAt: ctx.clock.now(),
        nextRunAt: ctx.clock.now(),
        job: newJob(ctx, { payload: '' }),
      }),
  },
  {
    method: 'fireRecurring',
    what: 'fireRecurring with an empty skipWhileUnfinished',
    field: 'skipWhileUnfinished',
    call: (storage, ctx) =>
      storage.fireRecurring({
        id: 'nightly',
        expectedRunAt: ctx.clock.now(),
        nextRunAt: ctx.clock.now(),
        job: newJob(ctx),
        skipWhileUnfinished: '',
      }),
  },
  {
    method: 'fireRecurring',
    what: "fireRecurring with a firing whose onDuplicate is 'replace'",
    field: 'job.onDuplicate',
    call: (storage, ctx) =>
      storage.fireRecurring({
        id: 'nightly',
        expectedRunAt: ctx.clock.now(),
        nextRunAt: ctx.clock.now(),
        job: newJob(ctx, { uniqueKey: 'k', onDuplicate: 'replace' }),
      }),
  },
];

export function storageInputConformance(ctx: ConformanceContext): void {
  describe('storage input checks', () => {
    it('drives every method that takes input, so a backend without the checks fails here', () => {
      const driven = new Set(BAD_CALLS.map((entry) => entry.method));
      expect([...driven].sort()).toEqual(Object.keys(storageChecks).sort());
    });

    for (const entry of BAD_CALLS) {
      it(`rejects ${entry.what} with a ValidationError naming ${entry.field}, writing nothing`, async () => {
        const attempt = entry.call(ctx.storage, ctx);
        await expect(attempt).rejects.toBeInstanceOf(ValidationError);
        await expect(attempt).rejects.toMatchObject({ field: entry.field });
        expect(await jobTotal(ctx.storage)).toBe(0);
        expect(await ctx.storage.listRecurring()).toEqual([]);
        expect(await ctx.storage.listServers()).toEqual([]);
      });
    }

    it('leaves a live lease untouched when a batch holds one bad outcome', async () => {
      const claimed = await claimJob(ctx, await enqueueJob(ctx));
      const outcomes = [
        { ...leaseOf(claimed), to: 'succeeded' as const },
        { ...leaseOf(claimed), to: 'failed' as const, error: bad<{ message: string }>({ message: 42 }) },
      ];
      await expect(ctx.storage.finish({ outcomes })).rejects.toMatchObject({ field: 'outcomes[1].error.message' });
      expect((await ctx.storage.get(claimed.id))?.state).toBe('processing');
    });
  });
}
