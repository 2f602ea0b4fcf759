// index.ts: the @jobsmith/core/testing entry, for backend authors: the shared storage conformance suite and the
// helpers its harness needs. Every export is named here (no `export *`).
export { ManualClock } from '../clock.js';
export {
  type ClaimLoopOptions,
  type ClaimLoopProcessesParams,
  type ClaimRecord,
  runClaimLoopChild,
  runClaimLoopProcesses,
} from './claim-loop.js';
export { runStorageConformance } from './conformance/index.js';
export type { StorageHarness } from './harness.js';
export { makeNewJob, type NewJobOverrides } from './new-job.js';
