// Pins the public API: adding or removing an export is a deliberate change to this list.
import { describe, expect, it } from 'vitest';
import * as core from './index.js';
import * as storageKit from './storage-kit/index.js';
import * as testing from './testing/index.js';

describe('@jobsmith/core exports', () => {
  it('names exactly the public values', () => {
    expect(Object.keys(core).sort()).toEqual([
      'ALLOWED_TRANSITIONS',
      'BackgroundJobServer',
      'ConfigError',
      'DEFAULT_DELETED_TTL_MS',
      'DEFAULT_MAX_ATTEMPTS',
      'DEFAULT_QUEUE',
      'DEFAULT_RETRY_POLICY',
      'DEFAULT_SERVER_CONFIG',
      'FINISHED_STATES',
      'IllegalTransitionError',
      'JOB_STATES',
      'JobAbortedError',
      'JobClient',
      'JobsmithError',
      'LeaseLostError',
      'ManualClock',
      'NotFoundError',
      'ServerStateError',
      'StorageError',
      'SystemClock',
      'UniqueKeyConflictError',
      'UnrecoverableError',
      'ValidationError',
      'WorkerRegistry',
      'WorkerResult',
      'assertTransition',
      'checkRetryPolicy',
      'consoleLogger',
      'defineJob',
      'isFinishedState',
      'isTransitionAllowed',
      'loggingMiddleware',
      'randomId',
      'retryDelayMs',
      'silentLogger',
      'systemClock',
      'uuidv7',
    ]);
  });

  it('keeps what only backends need in @jobsmith/core/storage', () => {
    expect(Object.keys(storageKit).sort()).toEqual([
      'LocalWakeUps',
      'SkewedClock',
      'StoreClock',
      'StoreClockSync',
      'buildNewJob',
      'cancelPushMessage',
      'claimedJobFromSqlRow',
      'closedStorageError',
      'copyJobError',
      'deliverPushMessage',
      'foldCounts',
      'hasGeneratedId',
      'jobErrorFromJson',
      'jobErrorToJson',
      'jobFromSqlRow',
      'recurringFromSqlRow',
      'serializeJson',
      'sqlInstantToDate',
      'storageChecks',
      'toStorageError',
      'withInputChecks',
      'zeroCounts',
    ]);
  });

  it('keeps test helpers in @jobsmith/core/testing', () => {
    expect(Object.keys(testing).sort()).toEqual([
      'FAULT_SCENARIOS',
      'FaultProxy',
      'ManualClock',
      'ServerProcess',
      'ServerProcesses',
      'TEST_METHODS',
      'eventually',
      'expectEachJobClaimedOnce',
      'expectProducerExits',
      'freeLoopbackPort',
      'makeNewJob',
      'runClaimLoopChild',
      'runClaimLoopProcesses',
      'runFaultSuite',
      'runServerIntegration',
      'runStorageConformance',
      'startServerOn',
      'useFaultContext',
      'useServerIntegrationContext',
    ]);
  });
});
