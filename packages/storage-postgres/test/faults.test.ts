// faults.test.ts: the shared fault suite on PostgreSQL, on a private cluster of its own (the restart scenario
// restarts it): server processes through a TCP proxy that drops and stalls their connections, a restart, a blocked
// event loop, clocks skewed by up to a minute, and a stop while the server does not answer.
import { runFaultSuite } from '@jobsmith/core/testing';
import { postgresFaultHarness } from './fault-harness.js';

// Pending until fixed: store-outage fails now and then (1 run in 24 so far: one job ran once, but at attempt 2). An
// attempt was spent by a claim that never ran: most likely a claim that timed out during the stall landed after the
// next pass had handed back this server's lost claims, so its job waited out its lease and was requeued.
runFaultSuite(postgresFaultHarness(), {
  pending: ['store-outage'],
  runPending: process.env['JOBSMITH_FAULTS_PENDING'] === '1',
  rounds: Number(process.env['JOBSMITH_FAULTS_ROUNDS'] ?? 1),
});
