// faults.test.ts: the shared fault suite on Redis, on a private persistent redis-server of its own (the restart
// scenario restarts it): server processes through a TCP proxy that drops and stalls their connections, a restart
// with the data kept, a blocked event loop, clocks skewed by up to a minute, and a stop while Redis does not answer.
import { runFaultSuite } from '@jobsmith/core/testing';
import { redisFaultHarness } from './fault-harness.js';

runFaultSuite(redisFaultHarness(), {
  runPending: process.env['JOBSMITH_FAULTS_PENDING'] === '1',
  rounds: Number(process.env['JOBSMITH_FAULTS_ROUNDS'] ?? 1),
});
