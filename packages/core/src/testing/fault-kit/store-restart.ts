// store-restart.ts: mid-run, the store's own process is shut down the way an operator would (data saved: Postgres
// `pg_ctl restart -m fast`, Redis SHUTDOWN with its append-only file) and started again at the same address. Every
// connection breaks and new ones are refused for a while; the jobs survive the restart, and each still runs once at
// attempt 1. Slow (a real restart), so it runs once however many rounds are asked for.
import { performance } from 'node:perf_hooks';
import { it } from 'vitest';
import type { Storage } from '../../storage.js';
import type { FaultContext } from './context.js';
import { expectEachJobDoneOnce } from './ledger.js';
import type { FaultScenario } from './scenario.js';
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

export const storeRestartScenario: FaultScenario = {
  name: 'store-restart',
  slow: true,
  applies: (harness) => harness.restartStore !== undefined,
  register<S extends Storage>(ctx: FaultContext<S>): void {
    it('keeps every job through a restart of the store mid-run and runs each once', { timeout: 150_000 }, async () => {
      const { processes, client, storage, harness } = ctx;
      if (harness.restartStore === undefined) throw new Error(`${harness.name} cannot restart its store`);
      await Promise.all([processes.start('a', FAULT_SERVER_CONFIG), processes.start('b', FAULT_SERVER_CONFIG)]);
      const ids = await enqueueSlowJobs(client, FAULT_JOBS);
      await waitForRuns(processes, RUNS_BEFORE_FAULT);

      const restartStartedAt = performance.now();
      await harness.restartStore();
      const restartMs = performance.now() - restartStartedAt;
      const runsBefore = processes.records.length;
      const settling = await waitUntilSettled(storage, processes, ids.length);
      reportFigures(
        harness.name,
        'store restart',
        `restart took ${seconds(restartMs)} (${runsBefore} runs by then); ` +
          `${settling.settled ? 'settled' : 'NOT settled'} ${seconds(settling.elapsedMs)} after it`,
      );
      // A job the restart lost shows as neither succeeded nor run (or as succeeded no more).
      await expectEachJobDoneOnce(storage, processes, ids);
    });
  },
};
