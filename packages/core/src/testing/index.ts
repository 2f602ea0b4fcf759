// index.ts: the @jobsmith/core/testing entry, for backend authors: the shared storage conformance suite, the
// multi-process server integration suite, the fault suite, and the helpers their harnesses need. Every export is
// named here (no `export *`).
export { ManualClock } from '../clock.js';
export {
  type ClaimLoopOptions,
  type ClaimLoopProcessesParams,
  type ClaimRecord,
  expectEachJobClaimedOnce,
  runClaimLoopChild,
  runClaimLoopProcesses,
} from './claim-loop.js';
export { runStorageConformance } from './conformance/index.js';
export { type FaultContext, useFaultContext } from './fault-kit/context.js';
export { freeLoopbackPort } from './fault-kit/free-port.js';
export type { FaultHarness, FaultNetwork, FaultTestStore, FaultWriteLock } from './fault-kit/harness.js';
export { type FaultSuiteOptions, runFaultSuite } from './fault-kit/index.js';
export { FAULT_SCENARIOS, type FaultScenarioName } from './fault-kit/scenario.js';
export { FaultProxy, type FaultProxyOptions, type FaultProxyStats, type StoreAddress } from './fault-kit/tcp-proxy.js';
export type { StorageHarness } from './harness.js';
export { makeNewJob, type NewJobOverrides } from './new-job.js';
export { type EventuallyOptions, eventually } from './process-kit/eventually.js';
export { expectProducerExits, type ProducerExitParams } from './process-kit/producer-exit.js';
export type {
  ChildMessage,
  ChildServerConfig,
  RunRecord,
  ServerChildSpec,
  StorageSpec,
} from './process-kit/protocol.js';
export { type ProcessExit, ServerProcess } from './process-kit/server-process.js';
export { ServerProcesses, type ServerProcessesOptions } from './process-kit/server-processes.js';
export { type BlockPayload, type HogPayload, type SlowPayload, TEST_METHODS } from './process-kit/test-handlers.js';
export { type ServerIntegrationContext, useServerIntegrationContext } from './server-integration/context.js';
export type { ServerIntegrationHarness, ServerTestStore } from './server-integration/harness.js';
export { runServerIntegration } from './server-integration/index.js';
export { type StartFailure, startServerOn } from './start-failure.js';
