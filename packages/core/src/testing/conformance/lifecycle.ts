// lifecycle.ts: conformance of the storage's life and wiring: `migrate`, `close`, `subscribe` (push wake-ups and
// cancels where `capabilities.push` says so), the shared `clock`, and peers that see the same data.
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../errors.js';
import type { Storage } from '../../storage.js';
import type { ConformanceContext } from './context.js';
import { claimJob, enqueueJob, fromNow, HOUR_MS, jobTotal, makeServerInfo, mustGet, newJob } from './fixtures.js';

/** How long a test waits for a push before enqueueing again (real time: the event comes from another connection). */
const HEAR_WAIT_MS = 250;
/** Enqueues tried before a push test gives up: HEAR_WAIT_MS x 40 bounds the wait at 10 s. */
const HEAR_TRIES = 40;

/** Listeners that record the queues and cancelled ids they hear and let a test await the next call, with a bound. */
class Recorder {
  readonly queues: string[] = [];
  readonly cancelled: string[] = [];
  private readonly waiters = new Set<() => void>();

  readonly listener = (queue: string): void => {
    this.queues.push(queue);
    for (const wake of this.waiters) wake();
  };

  readonly cancelListener = (jobId: string): void => {
    this.cancelled.push(jobId);
    for (const wake of this.waiters) wake();
  };

  /** Resolves once `jobId`'s cancel was heard, or after `ms` of real time. */
  async cancelHeard(jobId: string, ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    while (!this.cancelled.includes(jobId) && performance.now() < deadline) await this.next(HEAR_WAIT_MS);
  }

  /** Resolves on the next call, or after `ms` of real time. */
  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      this.waiters.add(wake);
    });
  }
}

/**
 * Enqueues on `queue` until `recorder` hears it. A backend may start listening asynchronously (LISTEN, SUBSCRIBE),
 * so an enqueue made right after `subscribe` can land before the subscription is live: try again, within a bound.
 */
async function enqueueUntilHeard(ctx: ConformanceContext, recorder: Recorder, queue: string): Promise<void> {
  for (let tries = 0; tries < HEAR_TRIES && !recorder.queues.includes(queue); tries++) {
    const heard = recorder.next(HEAR_WAIT_MS);
    await enqueueJob(ctx, { queue });
    await heard;
  }
  expect(recorder.queues, `no wake-up for queue ${queue} within ${HEAR_WAIT_MS * HEAR_TRIES} ms`).toContain(queue);
}

/** Lets pending callbacks (microtasks and one macrotask turn) run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function lifecycleConformance(ctx: ConformanceContext): void {
  describe('migrate', () => {
    it('is idempotent and keeps the stored data', async () => {
      const job = await enqueueJob(ctx);
      await ctx.storage.migrate();
      await ctx.storage.migrate();
      expect(await mustGet(ctx.storage, job.id)).toEqual(job);
      expect(await jobTotal(ctx.storage)).toBe(1);
    });

    it('is idempotent from a peer over the same data', async () => {
      const job = await enqueueJob(ctx);
      const peer = await ctx.connectPeer();
      await peer.migrate();
      expect(await mustGet(peer, job.id)).toEqual(job);
      expect(await mustGet(ctx.storage, job.id)).toEqual(job);
    });
  });

  describe('close', () => {
    it('releases a peer while the others keep working on the same data', async () => {
      const peer = await ctx.connectPeer();
      if (peer === ctx.storage) {
        // A backend whose data lives in one instance hands back that instance: it must not claim to be multi-process.
        expect(ctx.storage.capabilities.multiProcess).toBe(false);
        return;
      }
      const job = await enqueueJob(ctx);
      expect(await mustGet(peer, job.id)).toEqual(job);
      await ctx.closePeer(peer);
      expect(await mustGet(ctx.storage, job.id)).toEqual(job);
      expect(await enqueueJob(ctx)).toMatchObject({ state: 'enqueued' });
      expect(await jobTotal(ctx.storage)).toBe(2);
    });

    it('makes every later call reject with a StorageError naming the operation, and a second close resolves', async () => {
      // A peer when the backend has one, so the test storage stays open for teardown; else the storage itself.
      const peer = await ctx.connectPeer();
      const closed = peer === ctx.storage ? ctx.storage : peer;
      const job = newJob(ctx);
      if (closed === ctx.storage) await closed.close();
      else await ctx.closePeer(closed);
      await closed.close();
      const lease = { id: job.id, leaseId: 'lease-1' };
      const now = ctx.clock.now();
      const calls: Record<string, () => Promise<unknown>> = {
        enqueue: () => closed.enqueue({ jobs: [job] }),
        get: () => closed.get(job.id),
        list: () => closed.list({ limit: 1, offset: 0 }),
        counts: () => closed.counts(),
        fetchAndLock: () => closed.fetchAndLock({ serverId: 'jobsmith#1', queues: [], limit: 1, leaseMs: 1_000 }),
        finish: () => closed.finish({ outcomes: [{ ...lease, to: 'succeeded' }] }),
        renewLeases: () => closed.renewLeases({ leases: [lease], lockedUntil: now }),
        promoteDue: () => closed.promoteDue({ now, limit: 1 }),
        registerServer: () => closed.registerServer(makeServerInfo('jobsmith#1', now)),
        listRecurring: () => closed.listRecurring(),
      };
      for (const [operation, call] of Object.entries(calls)) {
        const attempt = call();
        await expect(attempt, operation).rejects.toBeInstanceOf(StorageError);
        await expect(attempt, operation).rejects.toMatchObject({ message: expect.stringMatching(`^${operation}: `) });
      }
    });
  });

  describe('clock', () => {
    it('is the clock the harness created the storage with', () => {
      expect(ctx.storage.clock).toBe(ctx.clock);
    });
  });

  describe('capabilities', () => {
    it('declares every capability, and cross-process push only with push', () => {
      const { push, crossProcessPush, multiProcess, transactionalEnqueue, storeClock } = ctx.storage.capabilities;
      for (const flag of [push, crossProcessPush, multiProcess, transactionalEnqueue, storeClock])
        expect(typeof flag).toBe('boolean');
      if (crossProcessPush) expect(push).toBe(true);
    });

    it("lets peers see each other's writes", async () => {
      const peer: Storage = await ctx.connectPeer();
      const job = await enqueueJob(ctx);
      const claimed = (await peer.fetchAndLock({ serverId: 'peer', queues: [], limit: 5, leaseMs: 1_000 }))[0];
      expect(claimed?.id).toBe(job.id);
      expect(await mustGet(ctx.storage, job.id)).toMatchObject({ state: 'processing', lockedBy: 'peer' });
    });
  });

  describe('subscribe', () => {
    it('calls the listener with the queue of an enqueued job when the backend has push', async () => {
      const recorder = new Recorder();
      const unsubscribe = ctx.storage.subscribe(recorder.listener);
      try {
        if (ctx.storage.capabilities.push) {
          await enqueueUntilHeard(ctx, recorder, 'emails');
        } else {
          // Without push the documented fallback is silence: the server polls instead.
          await enqueueJob(ctx, { queue: 'emails' });
          await settle();
          expect(recorder.queues).toEqual([]);
        }
      } finally {
        unsubscribe();
      }
    });

    it('wakes the queue of a scheduled holder that a replace (debounce) makes enqueued, when the backend has push', async () => {
      if (!ctx.storage.capabilities.push) return;
      const recorder = new Recorder();
      const unsubscribe = ctx.storage.subscribe(recorder.listener);
      try {
        await enqueueUntilHeard(ctx, recorder, 'warm-up');
        const later = fromNow(ctx, HOUR_MS);
        const key = 'debounce:push';
        await ctx.storage.enqueue({
          jobs: [newJob(ctx, { queue: 'debounced', uniqueKey: key, state: 'scheduled', runAt: later })],
        });
        const now = newJob(ctx, { queue: 'debounced', uniqueKey: key, onDuplicate: 'replace' });
        expect(await ctx.storage.enqueue({ jobs: [now] })).toMatchObject([{ duplicate: true }]);
        for (let tries = 0; tries < HEAR_TRIES && !recorder.queues.includes('debounced'); tries++) {
          await recorder.next(HEAR_WAIT_MS);
        }
        expect(recorder.queues, 'no wake-up for the replaced holder').toContain('debounced');
      } finally {
        unsubscribe();
      }
    });

    it('stops calling a listener once it unsubscribes', async () => {
      const kept = new Recorder();
      const dropped = new Recorder();
      const unsubscribeKept = ctx.storage.subscribe(kept.listener);
      const unsubscribeDropped = ctx.storage.subscribe(dropped.listener);
      try {
        if (ctx.storage.capabilities.push) {
          await enqueueUntilHeard(ctx, kept, 'before');
          await enqueueUntilHeard(ctx, dropped, 'before');
        }
        unsubscribeDropped();
        // One wake-up reaches every listener in the same pass, so once `kept` hears 'after', `dropped` would have too.
        if (ctx.storage.capabilities.push) await enqueueUntilHeard(ctx, kept, 'after');
        else await enqueueJob(ctx, { queue: 'after' });
        await settle();
        expect(dropped.queues).not.toContain('after');
      } finally {
        unsubscribeKept();
      }
    });

    it('tells onJobCancelled of a running job cancelled, and of no job that was not running', async () => {
      const recorder = new Recorder();
      const unsubscribe = ctx.storage.subscribe(recorder.listener, recorder.cancelListener);
      try {
        const waiting = await enqueueJob(ctx, { queue: 'waiting' });
        const running = await claimJob(ctx, await enqueueJob(ctx, { queue: 'running' }));
        if (ctx.storage.capabilities.push) await enqueueUntilHeard(ctx, recorder, 'live');
        await ctx.storage.cancel({ id: waiting.id, expiresAt: null });
        await ctx.storage.cancel({ id: running.id, expiresAt: null });
        if (ctx.storage.capabilities.push) {
          // One listener hears one store's pushes in the order of their writes: the first cancel would come first.
          await recorder.cancelHeard(running.id, HEAR_WAIT_MS * HEAR_TRIES);
          expect(recorder.cancelled).toEqual([running.id]);
        } else {
          await settle();
          expect(recorder.cancelled).toEqual([]);
        }
        expect(recorder.queues).not.toContain(running.id);
      } finally {
        unsubscribe();
      }
    });

    it("tells a peer's onJobCancelled of another peer's cancel when the backend has cross-process push", async () => {
      const peer = await ctx.connectPeer();
      const recorder = new Recorder();
      const unsubscribe = peer.subscribe(recorder.listener, recorder.cancelListener);
      try {
        const running = await claimJob(ctx, await enqueueJob(ctx, { queue: 'running' }));
        if (ctx.storage.capabilities.crossProcessPush) await enqueueUntilHeard(ctx, recorder, 'live');
        await ctx.storage.cancel({ id: running.id, expiresAt: null });
        if (ctx.storage.capabilities.crossProcessPush) {
          await recorder.cancelHeard(running.id, HEAR_WAIT_MS * HEAR_TRIES);
          expect(recorder.cancelled, `no cancel of ${running.id} heard by the peer`).toEqual([running.id]);
        } else {
          // Without crossProcessPush the peer's server finds the cancel when its lease renewal fails.
          expect(await mustGet(peer, running.id)).toMatchObject({ state: 'deleted', leaseId: null });
        }
      } finally {
        unsubscribe();
      }
    });

    it("wakes a peer's listener on another peer's enqueue when the backend has cross-process push", async () => {
      const peer = await ctx.connectPeer();
      const recorder = new Recorder();
      const unsubscribe = peer.subscribe(recorder.listener);
      try {
        if (ctx.storage.capabilities.crossProcessPush) {
          await enqueueUntilHeard(ctx, recorder, 'reports');
        } else {
          // No promise across peers without crossProcessPush: the peer finds the job by polling the shared data.
          const job = await enqueueJob(ctx, { queue: 'reports' });
          expect(await mustGet(peer, job.id)).toEqual(job);
        }
      } finally {
        unsubscribe();
      }
    });
  });
}
