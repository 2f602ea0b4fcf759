// faults.test.ts: the shared fault suite on PostgreSQL, on a private cluster of its own (the restart scenario
// restarts it): server processes through a TCP proxy that drops and stalls their connections, a restart, a blocked
// event loop, clocks skewed by up to a minute, and a stop while the server does not answer.
import { runFaultSuite } from '@jobsmith/core/testing';
import { postgresFaultHarness } from './fault-harness.js';

// Pending until fixed:
// - store-outage fails now and then (about 1 run in 10): a claim that timed out during the stall lands after the
//   next pass handed back this server's lost claims, so its jobs wait for their lease and run at attempt 2.
// - stop-during-outage: the stopped child's server.stop() returns within its bound (7 s), but closing the storage
//   then waits for the stalled connections, so the process exits only once PostgreSQL answers again.
runFaultSuite(postgresFaultHarness(), {
  pending: ['store-outage', 'stop-during-outage'],
  runPending: process.env['JOBSMITH_FAULTS_PENDING'] === '1',
  rounds: Number(process.env['JOBSMITH_FAULTS_ROUNDS'] ?? 1),
});
