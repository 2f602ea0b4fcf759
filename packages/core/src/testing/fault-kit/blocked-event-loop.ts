// blocked-event-loop.ts: mid-run, one child's event loop is blocked for two thirds of its lease (a `hog` job: a long
// synchronous task) while its other workers hold running jobs. No timer, renewal or reply runs in that child
// meanwhile; once the loop is free its overdue renewal must land before any lease lapses, so no job runs elsewhere
// a second time, and the blocked child carries on.
import { it } from 'vitest';
import type { Storage } from '../../storage.js';
import { type HogPayload, TEST_METHODS } from '../process-kit/test-handlers.js';
import type { FaultContext } from './context.js';
import { expectEachJobDoneOnce } from './ledger.js';
import { type FaultScenario, roundSuffix } from './scenario.js';
import {
  enqueueSlowJobs,
  FAULT_JOBS,
  FAULT_LEASE_MS,
  FAULT_SERVER_CONFIG,
  RUNS_BEFORE_FAULT,
  reportFigures,
  seconds,
  waitForRuns,
  waitUntilSettled,
} from './workload.js';

/** The queue only the blocked child serves, so the hog lands there. */
const HOG_QUEUE = 'hog';

export const blockedEventLoopScenario: FaultScenario = {
  name: 'blocked-event-loop',
  slow: false,
  applies: () => true,
  register<S extends Storage>(ctx: FaultContext<S>, round: number): void {
    const leaseMs = FAULT_LEASE_MS;
    const hogMs = Math.round((leaseMs * 2) / 3);
    it(`runs every job once when a child's event loop is blocked for ${hogMs / 1000} s of its ${leaseMs / 1000} s lease${roundSuffix(round)}`, {
      timeout: 120_000,
    }, async () => {
      const { processes, client, storage } = ctx;
      const [blocked] = await Promise.all([
        processes.start('a', { ...FAULT_SERVER_CONFIG, queues: ['default', HOG_QUEUE] }),
        processes.start('b', FAULT_SERVER_CONFIG),
      ]);
      const ids = await enqueueSlowJobs(client, FAULT_JOBS);
      await waitForRuns(processes, RUNS_BEFORE_FAULT);

      const hog: HogPayload = { ms: hogMs };
      const hogId = await client.enqueue(TEST_METHODS.hog, hog, { queue: HOG_QUEUE, priority: 10 });
      ids.push(hogId);
      // Its record is sent as the hog starts but may only leave once the loop is free again.
      await processes.waitUntil(() => blocked.ran(hogId), 'the blocked child to run the hog', {
        timeoutMs: hogMs + 30_000,
      });
      const settling = await waitUntilSettled(storage, processes, ids.length);
      reportFigures(
        ctx.harness.name,
        'blocked event loop',
        `child a blocked ${seconds(hogMs)}; ${settling.settled ? 'settled' : 'NOT settled'} ` +
          `${seconds(settling.elapsedMs)} after its hog was reported`,
      );
      await expectEachJobDoneOnce(storage, processes, ids);
    });
  },
};
