// faults.test.ts: the shared fault suite on PostgreSQL, on a private cluster of its own (the restart scenario
// restarts it): server processes through a TCP proxy that drops and stalls their connections, a restart, a blocked
// event loop, clocks skewed by up to a minute, and a stop while the server does not answer.
import { runFaultSuite } from '@jobsmith/core/testing';
import { postgresFaultHarness } from './fault-harness.js';

runFaultSuite(postgresFaultHarness(), {
  runPending: process.env['JOBSMITH_FAULTS_PENDING'] === '1',
  rounds: Number(process.env['JOBSMITH_FAULTS_ROUNDS'] ?? 1),
});
