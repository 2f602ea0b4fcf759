// events.ts: the job a server event carries is the job as stored right after it (issue 16): each job event, driven
// for real by a server on the test's storage, is compared with `storage.get`. Handlers stay blocked until the
// comparison is done, so nothing moves the job on in between.
import { describe, expect, it } from 'vitest';
import { JobClient } from '../../client.js';
import type { ManualClock } from '../../clock.js';
import type { JobEvent, ServerEventMap, ServerEventName } from '../../events.js';
import { silentLogger } from '../../logger.js';
import { WorkerRegistry } from '../../registry.js';
import type { ServerConfig } from '../../server/config.js';
import { BackgroundJobServer } from '../../server/server.js';
import type { Storage } from '../../storage.js';
import { WorkerResult } from '../../worker-result.js';
import { eventually } from '../process-kit/eventually.js';
import type { ConformanceContext } from './context.js';
import { claim, enqueueJob, LEASE_MS, makeServerInfo, SECOND_MS, SERVER_ID } from './fixtures.js';

/** Real time an awaited event may take: the server's writes are real round trips even on a ManualClock. */
const EVENT_TIMEOUT_MS = 10_000;
/** A queue the server under test does not claim from: jobs moved there stay where the event left them. */
const PARKED_QUEUE = 'parked';

/** A promise the test resolves: handlers wait on it so their job cannot move on before the comparison. */
class Gate {
  readonly opened: Promise<void>;
  open!: () => void;

  constructor() {
    this.opened = new Promise((resolve) => {
      this.open = resolve;
    });
  }
}

/** A server on the test's storage with only the claim loop running, plus what a test drives it with. */
interface EventRun {
  server: BackgroundJobServer;
  registry: WorkerRegistry;
  /** Opened after the test (before the stop), so no handler outlives it. */
  gate: Gate;
  client: JobClient;
}

/**
 * `storage` whose calls each take 1 ms of `clock` (advanced as each resolves), as a real round trip takes time: a job
 * the server rebuilt on its own clock after a write, instead of the one storage wrote, then shows another updatedAt.
 */
function withRoundTripTime(storage: Storage, clock: ManualClock): Storage {
  return new Proxy(storage, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        return result instanceof Promise ? result.finally(() => clock.advance(1)) : result;
      };
    },
  });
}

/** Builds the run (not started), runs `body`, then opens the gate and stops the server whatever happened. */
async function withServer(
  ctx: ConformanceContext,
  config: ServerConfig,
  body: (run: EventRun) => Promise<void>,
): Promise<void> {
  const quiet: ServerConfig = {
    workerCount: 1,
    logger: silentLogger,
    handleSignals: false,
    enableScheduler: false,
    enableRecurring: false,
    enableCleanup: false,
    enableHeartbeat: false,
  };
  const registry = new WorkerRegistry();
  const storage = withRoundTripTime(ctx.storage, ctx.clock);
  const server = new BackgroundJobServer({ ...quiet, ...config }, storage, registry);
  const gate = new Gate();
  try {
    await body({ server, registry, gate, client: new JobClient(ctx.storage) });
  } finally {
    gate.open();
    await server.stop();
  }
}

/** Resolves with the next `event` matching `predicate`; rejects after EVENT_TIMEOUT_MS of real time, naming it. */
function nextEvent<E extends ServerEventName>(
  server: BackgroundJobServer,
  event: E,
  predicate: (payload: ServerEventMap[E]) => boolean = () => true,
): Promise<ServerEventMap[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.off(event, listener);
      reject(new Error(`timed out after ${EVENT_TIMEOUT_MS} ms waiting for ${event}`));
    }, EVENT_TIMEOUT_MS);
    const listener = (payload: ServerEventMap[E]) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      server.off(event, listener);
      resolve(payload);
    };
    server.on(event, listener);
  });
}

/** The next move of job `jobId` into `to`, as `stateChange` reports it. */
function nextMove(server: BackgroundJobServer, jobId: string, to: JobEvent['to']): Promise<JobEvent> {
  return nextEvent(server, 'stateChange', (event) => event.jobId === jobId && event.to === to);
}

/** The event's job is the stored job, field for field. */
async function expectStored(ctx: ConformanceContext, event: JobEvent): Promise<void> {
  const stored = await ctx.storage.get(event.jobId);
  expect(event.job, `the job of ${event.from} -> ${event.to} should equal storage.get()`).toEqual(stored);
}

/**
 * Resolves once `storage` delivers pushes: a backend may open its push connection (LISTEN, SUBSCRIBE) only after the
 * first subscribe, and a push sent before it listens is lost. Pings with jobs in PARKED_QUEUE until one is heard.
 */
async function pushReady(storage: Storage): Promise<void> {
  let heard = false;
  const unsubscribe = storage.subscribe((queue) => {
    if (queue === PARKED_QUEUE) heard = true;
  });
  const client = new JobClient(storage);
  try {
    await eventually(
      async () => {
        if (!heard) await client.enqueue('ping', {}, { queue: PARKED_QUEUE });
        return heard ? true : undefined;
      },
      'the storage to deliver its own push',
      { timeoutMs: EVENT_TIMEOUT_MS, intervalMs: 20 },
    );
  } finally {
    unsubscribe();
  }
}

/** Enqueues one job of `method` in the default queue. */
function enqueue(run: EventRun, method: string, options: { maxAttempts?: number; timeoutMs?: number } = {}) {
  return run.client.enqueue(method, { n: 1 }, options);
}

export function eventsConformance(ctx: ConformanceContext): void {
  describe('server events carry the stored job', () => {
    it('jobStarted carries the claimed job as stored', async () => {
      await withServer(ctx, {}, async (run) => {
        run.registry.register('block', () => run.gate.opened);
        const id = await enqueue(run, 'block');
        const started = nextEvent(run.server, 'jobStarted');
        const move = nextMove(run.server, id, 'processing');
        await run.server.start();
        const event = await started;
        expect(event).toMatchObject({ jobId: id, from: 'enqueued', to: 'processing' });
        expect(await move).toBe(event);
        await expectStored(ctx, event);
      });
    });

    it('jobSucceeded carries the succeeded job as stored', async () => {
      await withServer(ctx, {}, async (run) => {
        run.registry.register('ok', () => ({ done: true }));
        const id = await enqueue(run, 'ok');
        const succeeded = nextEvent(run.server, 'jobSucceeded');
        await run.server.start();
        const event = await succeeded;
        expect(event).toMatchObject({ jobId: id, from: 'processing', to: 'succeeded' });
        await expectStored(ctx, event);
      });
    });

    it('jobSucceeded carries the progress the handler reported', async () => {
      await withServer(ctx, {}, async (run) => {
        run.registry.register('halfway', async (_payload, job) => {
          await job.progress(50);
          return 'done';
        });
        await enqueue(run, 'halfway');
        const succeeded = nextEvent(run.server, 'jobSucceeded');
        await run.server.start();
        const event = await succeeded;
        expect((await ctx.storage.get(event.jobId))?.progress).toBe(50);
        await expectStored(ctx, event);
      });
    });

    it('jobSucceeded with succeededTtlMs 0: the job is purged in the same write, so get returns null', async () => {
      await withServer(ctx, { succeededTtlMs: 0 }, async (run) => {
        run.registry.register('ok', () => 'done');
        const id = await enqueue(run, 'ok');
        const succeeded = nextEvent(run.server, 'jobSucceeded');
        await run.server.start();
        const event = await succeeded;
        expect(event.job).toMatchObject({ id, state: 'succeeded' });
        expect(await ctx.storage.get(id)).toBeNull();
      });
    });

    it('jobRetrying carries the awaiting_retry job as stored after a throw', async () => {
      await withServer(ctx, { retryPolicy: { type: 'fixed', delayMs: 60 * SECOND_MS } }, async (run) => {
        run.registry.register('boom', () => Promise.reject(new Error('boom')));
        const id = await enqueue(run, 'boom', { maxAttempts: 2 });
        const retrying = nextEvent(run.server, 'jobRetrying');
        await run.server.start();
        const event = await retrying;
        expect(event).toMatchObject({ jobId: id, to: 'awaiting_retry', job: { lastError: { message: 'boom' } } });
        await expectStored(ctx, event);
      });
    });

    it('jobRetrying carries the job as stored after WorkerResult.retry', async () => {
      await withServer(ctx, {}, async (run) => {
        run.registry.register('later', () => WorkerResult.retry({ delayMs: 60 * SECOND_MS }));
        const id = await enqueue(run, 'later', { maxAttempts: 2 });
        const retrying = nextEvent(run.server, 'jobRetrying');
        await run.server.start();
        const event = await retrying;
        expect(event).toMatchObject({ jobId: id, to: 'awaiting_retry' });
        await expectStored(ctx, event);
      });
    });

    it('stateChange alone carries the job as stored after WorkerResult.snooze, its attempt refunded', async () => {
      await withServer(ctx, {}, async (run) => {
        run.registry.register('notYet', () => WorkerResult.snooze({ delayMs: 60 * SECOND_MS }));
        const id = await enqueue(run, 'notYet', { maxAttempts: 1 });
        const specific: string[] = [];
        for (const name of ['jobSucceeded', 'jobFailed', 'jobRetrying'] as const)
          run.server.on(name, (event) => {
            if (event.jobId === id) specific.push(name);
          });
        const snoozed = nextMove(run.server, id, 'scheduled');
        await run.server.start();
        const event = await snoozed;
        expect(event).toMatchObject({ from: 'processing', job: { state: 'scheduled', attempt: 0 } });
        await expectStored(ctx, event);
        expect(specific).toEqual([]);
      });
    });

    it('jobFailed carries the failed job as stored after the last attempt throws', async () => {
      await withServer(ctx, {}, async (run) => {
        run.registry.register('boom', () => Promise.reject(new Error('boom')));
        const id = await enqueue(run, 'boom', { maxAttempts: 1 });
        const failed = nextEvent(run.server, 'jobFailed');
        await run.server.start();
        const event = await failed;
        expect(event).toMatchObject({ jobId: id, from: 'processing', to: 'failed' });
        await expectStored(ctx, event);
      });
    });

    it('jobFailed carries the job as stored when its timeout fails the last attempt', async () => {
      await withServer(ctx, {}, async (run) => {
        run.registry.register('block', () => run.gate.opened);
        const id = await enqueue(run, 'block', { maxAttempts: 1, timeoutMs: 5 * SECOND_MS });
        const started = nextEvent(run.server, 'jobStarted');
        const failed = nextEvent(run.server, 'jobFailed');
        await run.server.start();
        await started;
        ctx.clock.advance(6 * SECOND_MS);
        const event = await failed;
        expect(event).toMatchObject({ jobId: id, job: { lastError: { name: 'JobAbortedError' } } });
        await expectStored(ctx, event);
      });
    });

    it("jobCancelled carries the deleted job as stored when the server's client cancels it", async () => {
      await withServer(ctx, {}, async (run) => {
        run.registry.register('block', () => run.gate.opened);
        const id = await enqueue(run, 'block');
        const started = nextEvent(run.server, 'jobStarted');
        const cancelled = nextEvent(run.server, 'jobCancelled');
        await run.server.start();
        await started;
        await run.server.client.cancel(id);
        const event = await cancelled;
        expect(event).toMatchObject({ jobId: id, from: 'processing', to: 'deleted' });
        await expectStored(ctx, event);
      });
    });

    it('jobCancelled carries the deleted job as stored when another client cancels it', async () => {
      await withServer(ctx, {}, async (run) => {
        run.registry.register('block', () => run.gate.opened);
        const id = await enqueue(run, 'block');
        const started = nextEvent(run.server, 'jobStarted');
        const cancelled = nextEvent(run.server, 'jobCancelled');
        await run.server.start();
        await started;
        if (ctx.storage.capabilities.push) await pushReady(ctx.storage);
        await new JobClient(ctx.storage).cancel(id);
        // Without push the server learns of it at its next lease renewal (every leaseMs / 3).
        if (!ctx.storage.capabilities.push) ctx.clock.advance(LEASE_MS / 3);
        const event = await cancelled;
        expect(event).toMatchObject({ jobId: id, from: 'processing', to: 'deleted' });
        await expectStored(ctx, event);
      });
    });

    for (const via of ["the server's client", 'another client'] as const) {
      it(`jobCancelled carries the deleted job as stored for a job waiting in the local queue, cancelled by ${via}`, async () => {
        await withServer(ctx, { localQueueSize: 1 }, async (run) => {
          run.registry.register('block', () => run.gate.opened);
          const running = await enqueue(run, 'block');
          const waiting = await enqueue(run, 'block');
          const started = nextEvent(run.server, 'jobStarted');
          const cancelled = nextEvent(run.server, 'jobCancelled');
          await run.server.start();
          await started;
          // The second job is claimed into the local queue (processing in storage) while the first one runs.
          await eventually(
            async () => ((await ctx.storage.get(waiting))?.state === 'processing' ? true : undefined),
            'the second job to be claimed ahead',
            { timeoutMs: EVENT_TIMEOUT_MS, intervalMs: 5 },
          );
          if (via === 'another client') {
            if (ctx.storage.capabilities.push) await pushReady(ctx.storage);
            await new JobClient(ctx.storage).cancel(waiting);
            if (!ctx.storage.capabilities.push) ctx.clock.advance(LEASE_MS / 3);
          } else {
            await run.server.client.cancel(waiting);
          }
          const event = await cancelled;
          expect(event).toMatchObject({ jobId: waiting, from: 'processing', to: 'deleted' });
          await expectStored(ctx, event);
          expect((await ctx.storage.get(running))?.state).toBe('processing');
        });
      });
    }

    it('stateChange carries the job as stored when stop hands a running job back', async () => {
      await withServer(ctx, { shutdownTimeoutMs: 0 }, async (run) => {
        run.registry.register('block', () => run.gate.opened);
        const id = await enqueue(run, 'block');
        const started = nextEvent(run.server, 'jobStarted');
        const released = nextMove(run.server, id, 'enqueued');
        await run.server.start();
        await started;
        const stopped = run.server.stop();
        const event = await released;
        await stopped;
        expect(event).toMatchObject({ from: 'processing', job: { state: 'enqueued', attempt: 0 } });
        await expectStored(ctx, event);
      });
    });

    it('stateChange carries the job as stored when the scheduler promotes it', async () => {
      await withServer(ctx, { enableScheduler: true }, async (run) => {
        await run.server.start();
        // Through the server's client, so the scheduler knows when it falls due whatever pass it is in.
        const id = await run.server.client.enqueue('x', {}, { queue: PARKED_QUEUE, delayMs: SECOND_MS });
        const promoted = nextMove(run.server, id, 'enqueued');
        ctx.clock.advance(2 * SECOND_MS);
        const event = await promoted;
        expect(event.from).toBe('scheduled');
        await expectStored(ctx, event);
      });
    });

    it('stateChange and jobFailed carry the jobs as stored when the sweep finds their leases lapsed', async () => {
      await withServer(ctx, {}, async (run) => {
        const again = await enqueueJob(ctx, { queue: PARKED_QUEUE, maxAttempts: 2 });
        const spent = await enqueueJob(ctx, { queue: PARKED_QUEUE, maxAttempts: 1 });
        expect(await claim(ctx, { queues: [PARKED_QUEUE], limit: 2 })).toHaveLength(2);
        const requeued = nextMove(run.server, again.id, 'enqueued');
        const failed = nextEvent(run.server, 'jobFailed', (event) => event.jobId === spent.id);
        ctx.clock.advance(LEASE_MS);
        await run.server.start();
        for (const event of [await requeued, await failed]) {
          expect(event.from).toBe('processing');
          await expectStored(ctx, event);
        }
      });
    });

    it('serverDead and the moves it causes carry the jobs as stored', async () => {
      const config = { enableHeartbeat: true, heartbeatIntervalMs: SECOND_MS, deadServerTimeoutMs: 10 * SECOND_MS };
      await withServer(ctx, config, async (run) => {
        await ctx.storage.registerServer(makeServerInfo(SERVER_ID, ctx.clock.now()));
        const again = await enqueueJob(ctx, { queue: PARKED_QUEUE, maxAttempts: 2 });
        const spent = await enqueueJob(ctx, { queue: PARKED_QUEUE, maxAttempts: 1 });
        expect(await claim(ctx, { queues: [PARKED_QUEUE], limit: 2 })).toHaveLength(2);
        const dead = nextEvent(run.server, 'serverDead');
        const requeued = nextMove(run.server, again.id, 'enqueued');
        const failed = nextEvent(run.server, 'jobFailed', (event) => event.jobId === spent.id);
        ctx.clock.advance(20 * SECOND_MS);
        await run.server.start();
        const { serverId, jobs } = await dead;
        expect(serverId).toBe(SERVER_ID);
        expect(jobs.map((job) => job.id).sort()).toEqual([again.id, spent.id].sort());
        for (const job of jobs) expect(job, `serverDead's job ${job.id}`).toEqual(await ctx.storage.get(job.id));
        for (const event of [await requeued, await failed]) await expectStored(ctx, event);
      });
    });
  });
}
