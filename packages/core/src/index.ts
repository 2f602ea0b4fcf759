// index.ts: the public API of @jobsmith/core. Every export is named here (no `export *`); index.test.ts pins the list.
export {
  type ClientEnqueueOptions,
  DEFAULT_DELETED_TTL_MS,
  type EnqueueItem,
  JobClient,
  type JobClientOptions,
  type ListFilter,
} from './client.js';
export { type Clock, ManualClock, SystemClock, systemClock } from './clock.js';
export { DEFAULT_MAX_ATTEMPTS, DEFAULT_QUEUE, type EnqueueOptions } from './enqueue-options.js';
export {
  type AbortReason,
  ConfigError,
  IllegalTransitionError,
  JobAbortedError,
  JobsmithError,
  LeaseLostError,
  NotFoundError,
  ServerStateError,
  StorageError,
  UniqueKeyConflictError,
  UnrecoverableError,
  ValidationError,
} from './errors.js';
export type {
  ErrorEvent,
  ErrorSource,
  JobEvent,
  RecurringFiredEvent,
  ServerDeadEvent,
  ServerEventListener,
  ServerEventMap,
  ServerEventName,
} from './events.js';
export { randomId, uuidv7 } from './ids.js';
export {
  ALLOWED_TRANSITIONS,
  assertTransition,
  FINISHED_STATES,
  isFinishedState,
  isTransitionAllowed,
  JOB_STATES,
  type Job,
  type JobError,
  type JobState,
  type JsonValue,
  type NewJob,
} from './job.js';
export { consoleLogger, type Logger, silentLogger } from './logger.js';
export { type LoggingMiddlewareOptions, loggingMiddleware, type Middleware } from './middleware.js';
export {
  defineJob,
  type JobContext,
  type JobHandle,
  type JobHandler,
  type Worker,
  WorkerRegistry,
} from './registry.js';
export {
  checkRetryPolicy,
  DEFAULT_RETRY_POLICY,
  type ExponentialRetry,
  type FixedRetry,
  type LinearRetry,
  type NoRetry,
  type RetryDelayFunction,
  type RetryPolicy,
  retryDelayMs,
} from './retry.js';
export { DEFAULT_SERVER_CONFIG, type ResolvedServerConfig, type ServerConfig } from './server/config.js';
export type { RecurringOptions } from './server/recurring.js';
export { BackgroundJobServer } from './server/server.js';
// The Storage contract an app names when it passes a storage around; the rest of the seam is in @jobsmith/core/storage.
export type { JobCounts, RecurringDefinition, ServerInfo, Storage, StorageCapabilities } from './storage.js';
export { type RetryRequest, type SnoozeRequest, WorkerResult } from './worker-result.js';
