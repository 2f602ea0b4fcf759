// dropped-connections.ts: mid-run, the proxy resets every connection of both children to the store and refuses new
// ones for 2 s, as a broken network or a failed-over load balancer would. Calls in flight fail without an answer,
// so a claim or a finish may have landed unseen: still every job runs once at attempt 1 and nothing is left behind.
import { expect, it } from 'vitest';
import { systemClock } from '../../clock.js';
import type { Storage } from '../../storage.js';
import type { FaultContext } from './context.js';
import { expectEachJobDoneOnce } from './ledger.js';
import { type FaultScenario, roundSuffix } from './scenario.js';
import {
  enqueueSlowJobs,
  FAULT_JOBS,
  FAULT_SERVER_CONFIG,
  RUNS_BEFORE_FAULT,
  reportFigures,
  seconds,
  waitForRuns,
  waitUntilSettled,
} from './workload.js';

/** How long new connections are refused after the drop, in ms. */
const REFUSE_MS = 2_000;

export const droppedConnectionsScenario: FaultScenario = {
  name: 'dropped-connections',
  slow: false,
  applies: (harness) => harness.network !== undefined,
  register<S extends Storage>(ctx: FaultContext<S>, round: number): void {
    it(`runs every job once when every connection is dropped mid-run and refused for ${REFUSE_MS / 1000} s${roundSuffix(round)}`, {
      timeout: 120_000,
    }, async () => {
      const { processes, client, storage } = ctx;
      const proxy = ctx.proxy;
      if (proxy === null) throw new Error('dropped-connections needs the proxy of a network store');
      await Promise.all([processes.start('a', FAULT_SERVER_CONFIG), processes.start('b', FAULT_SERVER_CONFIG)]);
      const ids = await enqueueSlowJobs(client, FAULT_JOBS);
      await waitForRuns(processes, RUNS_BEFORE_FAULT);

      const dropped = proxy.drop();
      proxy.refuse();
      // The fault's own length: nothing to wait on but time.
      await systemClock.sleep(REFUSE_MS);
      proxy.accept();
      const settling = await waitUntilSettled(storage, processes, ids.length);
      reportFigures(
        ctx.harness.name,
        'dropped connections',
        `${dropped} dropped, ${proxy.stats.refused} refused; ${settling.settled ? 'settled' : 'NOT settled'} ` +
          `${seconds(settling.elapsedMs)} after the proxy accepted again`,
      );
      expect(dropped, 'connections open when the proxy dropped them').toBeGreaterThan(0);
      await expectEachJobDoneOnce(storage, processes, ids);
    });
  },
};
