// index.ts: the @jobsmith/core/storage entry, for backend authors: the Storage contract's types and what every
// backend needs to meet it alike (the input-check wrapper, row readers, counts folding, errors, local push, the store
// clock). An app never imports it. Every export is named here (no `export *`); index.test.ts pins the list.
export { buildNewJob, hasGeneratedId } from '../enqueue-options.js';
export type {
  CancelParams,
  EnqueueParams,
  EnqueueResult,
  FetchAndLockParams,
  FinishOutcome,
  FinishParams,
  FinishState,
  FireRecurringParams,
  FireRecurringResult,
  JobAvailableListener,
  JobCancelledListener,
  JobCounts,
  Lease,
  ListParams,
  MovedJob,
  ProgressReport,
  ReclaimDeadServersParams,
  ReclaimedServer,
  RecordProgressParams,
  RecurringDefinition,
  ReleaseLostClaimsParams,
  ReleaseParams,
  RenewLeasesParams,
  RequeueExpiredLeasesParams,
  ServerInfo,
  Storage,
  StorageCapabilities,
  SweepParams,
} from '../storage.js';
export { SkewedClock, StoreClock, type StoreTimeReader } from '../store-clock.js';
export { StoreClockSync } from '../store-clock-sync.js';
export { serializeJson } from '../validation.js';
export { type CountRow, foldCounts, zeroCounts } from './counts.js';
export { closedStorageError, toStorageError } from './errors.js';
export { withInputChecks } from './input-checked.js';
export { type CheckedMethod, storageChecks } from './input-checks.js';
export { LocalWakeUps } from './local-wake-ups.js';
export { cancelPushMessage, deliverPushMessage, type PushListeners } from './push-message.js';
export {
  type ClaimStamp,
  claimedJobFromSqlRow,
  copyJobError,
  jobErrorFromJson,
  jobErrorToJson,
  jobFromSqlRow,
  recurringFromSqlRow,
  type SqlClaimedRow,
  type SqlInstant,
  type SqlJobRow,
  type SqlRecurringRow,
  sqlInstantToDate,
} from './rows.js';
