// skewed-clocks.ts: three children whose host clocks are off by -60 s, +30 s and +60 s (the factory's `clockSkewMs`)
// run jobs and a recurring job every second, on heartbeats short enough (a peer is dead after 2 s of silence) that an
// uncorrected clock would declare peers dead, steal leases and fire cron ticks early. Where the storage reads the
// store's clock (`storeClock`), none of that happens: no serverDead, every job once, each tick fired once and never
// before its tick. A firing's tick comes from its uniqueKey (`recurring:<id>:<ms>`); it is compared with the real
// time the test first heard of the job (a child claiming or running it), which comes after the firing.
import { performance } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import { systemClock } from '../../clock.js';
import { recurringDefinition } from '../../server/recurring.js';
import type { Storage } from '../../storage.js';
import type { ChildMessage } from '../process-kit/protocol.js';
import type { ServerProcess } from '../process-kit/server-process.js';
import { TEST_METHODS } from '../process-kit/test-handlers.js';
import type { FaultContext } from './context.js';
import { expectEachJobDoneOnce, runsByJob } from './ledger.js';
import { type FaultScenario, roundSuffix } from './scenario.js';
import { enqueueSlowJobs, FAULT_JOBS, reportFigures, waitUntilSettled } from './workload.js';

/** Each child's clock error, in ms. */
const SKEWS_MS = [-60_000, 30_000, 60_000] as const;
const RECURRING_ID = 'every-second';
const RECURRING_QUEUE = 'recurring';
/** How long the recurring job keeps firing, in ms. */
const FIRING_WINDOW_MS = 6_000;
/** Fewest ticks the window must see fired. */
const MIN_TICKS = 4;

const CONFIG = {
  workerCount: 4,
  queues: ['default', RECURRING_QUEUE],
  pollingIntervalMs: 200,
  heartbeatIntervalMs: 200,
  deadServerTimeoutMs: 2_000,
  leaseMs: 3_000,
  recurringPollIntervalMs: 200,
};

/** What the firings of the recurring job looked like. */
interface FiringSummary {
  /** Ticks fired more than once. */
  ticksFiredTwice: number;
  /** Ticks between the first and the last fired one that never fired. */
  ticksMissed: number;
  /** Firings whose job ran other than exactly once. */
  firingsNotRunOnce: number;
  /** Firings the test heard of before their tick. */
  firedEarly: number;
  /** Peers a child declared dead. */
  serverDead: number;
}

export const skewedClocksScenario: FaultScenario = {
  name: 'skewed-clocks',
  slow: false,
  applies: () => true,
  register<S extends Storage>(ctx: FaultContext<S>, round: number): void {
    it(`agrees on leases, liveness and cron ticks across clocks skewed by ${SKEWS_MS.map((ms) => `${ms / 1000} s`).join(', ')}${roundSuffix(round)}`, {
      timeout: 120_000,
    }, async ({ skip }) => {
      const { processes, client, storage } = ctx;
      if (!storage.capabilities.storeClock) skip('the storage reads no store clock (every process shares one host)');
      const firstHeard = new Map<string, number>();
      const children = await Promise.all(
        SKEWS_MS.map((clockSkewMs, i) =>
          processes.start(clockName(clockSkewMs, i), CONFIG, {
            storage: ctx.childStorage({ clockSkewMs }),
          }),
        ),
      );
      for (const child of children) noteFirstHeard(child, firstHeard);

      const scheduledAt = performance.now();
      const definition = recurringDefinition(
        {
          id: RECURRING_ID,
          cron: '* * * * * *',
          method: TEST_METHODS.record,
          payload: {},
          options: { queue: RECURRING_QUEUE },
        },
        storage.clock.now(),
      );
      await storage.upsertRecurring(definition);
      const ids = await enqueueSlowJobs(client, FAULT_JOBS);
      await waitUntilSettled(storage, processes, ids.length);
      // The window's own length: the ticks come with time.
      await systemClock.sleep(Math.max(0, FIRING_WINDOW_MS - (performance.now() - scheduledAt)));
      await storage.removeRecurring(RECURRING_ID);
      await waitUntilSettled(storage, processes, ids.length);

      const firings = await firingTicks(storage);
      const summary = summarizeFirings(firings, processes.records, firstHeard, children);
      reportFigures(
        ctx.harness.name,
        'skewed clocks',
        `${firings.length} firings over ${new Set(firings.map((f) => f.tick)).size} ticks; ${JSON.stringify(summary)}`,
      );
      await expectEachJobDoneOnce(storage, processes, ids);
      expect(summary).toEqual({
        ticksFiredTwice: 0,
        ticksMissed: 0,
        firingsNotRunOnce: 0,
        firedEarly: 0,
        serverDead: 0,
      });
      expect(new Set(firings.map((firing) => firing.tick)).size).toBeGreaterThanOrEqual(MIN_TICKS);
    });
  },
};

/** A child's name from its skew, e.g. 'clock+30s-1'. */
function clockName(skewMs: number, index: number): string {
  return `clock${skewMs < 0 ? '' : '+'}${skewMs / 1000}s-${index}`;
}

/** Notes the real time the test first hears of each job from `child` (a claim's state change or a run). */
function noteFirstHeard(child: ServerProcess, firstHeard: Map<string, number>): void {
  child.child.on('message', (message: ChildMessage) => {
    const jobId = message.type === 'record' ? message.record.jobId : message.type === 'state' ? message.jobId : null;
    if (jobId !== null && !firstHeard.has(jobId)) firstHeard.set(jobId, systemClock.now().getTime());
  });
}

/** Every firing job of the recurring definition, with the tick its uniqueKey names. */
async function firingTicks(storage: Storage): Promise<{ jobId: string; tick: number }[]> {
  const jobs = await storage.list({ queue: RECURRING_QUEUE, limit: 10_000, offset: 0 });
  const prefix = `recurring:${RECURRING_ID}:`;
  return jobs
    .filter((job) => job.uniqueKey?.startsWith(prefix))
    .map((job) => ({ jobId: job.id, tick: Number(job.uniqueKey?.slice(prefix.length)) }));
}

function summarizeFirings(
  firings: readonly { jobId: string; tick: number }[],
  records: Parameters<typeof runsByJob>[0],
  firstHeard: ReadonlyMap<string, number>,
  children: readonly ServerProcess[],
): FiringSummary {
  const ticks = firings.map((firing) => firing.tick).sort((a, b) => a - b);
  const distinct = [...new Set(ticks)];
  const span = distinct.length === 0 ? 0 : ((distinct.at(-1) ?? 0) - (distinct[0] ?? 0)) / 1_000 + 1;
  const runs = runsByJob(records);
  return {
    ticksFiredTwice: ticks.length - distinct.length,
    ticksMissed: span - distinct.length,
    firingsNotRunOnce: firings.filter((firing) => runs.get(firing.jobId)?.length !== 1).length,
    firedEarly: firings.filter((firing) => (firstHeard.get(firing.jobId) ?? Number.POSITIVE_INFINITY) < firing.tick)
      .length,
    serverDead: children.reduce((sum, child) => sum + child.messages.filter((m) => m.type === 'serverDead').length, 0),
  };
}
