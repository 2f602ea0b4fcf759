// faults.test.ts: the shared fault suite on SQLite: server processes sharing one database file while one child's
// event loop blocks, or another connection holds the write lock mid-run and while a child stops.
import { runFaultSuite } from '@jobsmith/core/testing';
import { sqliteFaultHarness } from './fault-harness.js';

runFaultSuite(sqliteFaultHarness, {
  runPending: process.env['JOBSMITH_FAULTS_PENDING'] === '1',
  rounds: Number(process.env['JOBSMITH_FAULTS_ROUNDS'] ?? 1),
});
