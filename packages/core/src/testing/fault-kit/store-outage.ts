// store-outage.ts: mid-run, the store stops answering for longer than one call may wait (the proxy stalls every
// connection of a network store; another connection holds an embedded store's write lock), then answers again.
// Calls time out or fail meanwhile, but the leases outlast the outage, so no job may run twice, and every job ends
// `succeeded` with nothing left behind.
import { it } from 'vitest';
import { systemClock } from '../../clock.js';
import type { Storage } from '../../storage.js';
import type { FaultContext } from './context.js';
import { expectEachJobDoneOnce } from './ledger.js';
import { hasOutage, leaseOutlasting, outageTitle, storeOutage } from './outage.js';
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

export const storeOutageScenario: FaultScenario = {
  name: 'store-outage',
  slow: false,
  applies: hasOutage,
  register<S extends Storage>(ctx: FaultContext<S>, round: number): void {
    const leaseMs = leaseOutlasting(ctx.harness);
    it(`runs every job once through ${outageTitle(ctx.harness)} mid-run (leases of ${leaseMs / 1000} s)${roundSuffix(round)}`, {
      timeout: 120_000,
    }, async () => {
      const { processes, client, storage } = ctx;
      const config = { ...FAULT_SERVER_CONFIG, leaseMs };
      const children = await Promise.all([processes.start('a', config), processes.start('b', config)]);
      const ids = await enqueueSlowJobs(client, FAULT_JOBS);
      await waitForRuns(processes, RUNS_BEFORE_FAULT);

      const outage = storeOutage(ctx);
      const errorsBefore = children.reduce((sum, child) => sum + child.errors.length, 0);
      await outage.begin();
      // The fault's own length: nothing to wait on but time.
      await systemClock.sleep(outage.durationMs);
      await outage.end();
      const settling = await waitUntilSettled(storage, processes, ids.length);
      const errors = children.reduce((sum, child) => sum + child.errors.length, 0) - errorsBefore;
      reportFigures(
        ctx.harness.name,
        'store outage',
        `${outage.what} for ${seconds(outage.durationMs)}; ${errors} error events; ` +
          `${settling.settled ? 'settled' : 'NOT settled'} ${seconds(settling.elapsedMs)} after it ended`,
      );
      await expectEachJobDoneOnce(storage, processes, ids);
    });
  },
};
