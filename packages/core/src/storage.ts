// storage.ts: the one seam between the core and a backend. Every backend implements all of it and proves it with the
// conformance suite in testing/conformance. Transitions are explicit and batch-shaped (one round trip for many
// jobs), never a blind write of a whole job; writes by a worker are compare-and-set on its lease (fencing).
import type { Clock } from './clock.js';
import type { Job, JobError, JobState, NewJob } from './job.js';

/** What a backend can do, so the server adapts and an option it cannot honour fails fast. */
export interface StorageCapabilities {
  /** `subscribe` delivers wake-ups when jobs are enqueued, and cancels of running jobs (at least within this process). */
  push: boolean;
  /** `subscribe` also hears jobs enqueued and cancelled by other processes (LISTEN/NOTIFY, pub/sub). */
  crossProcessPush: boolean;
  /** Several OS processes may share the data safely (claims stay exactly-once across them). */
  multiProcess: boolean;
  /** `enqueue` accepts `{ tx }`: the job commits or rolls back with the caller's own transaction. */
  transactionalEnqueue: boolean;
  /**
   * `clock` reads the store's time (corrected by its measured offset, see StoreClock), so servers on hosts whose
   * clocks disagree still agree on leases, heartbeats and cron. False where every process shares one host clock.
   */
  storeClock: boolean;
}

export interface EnqueueParams<Tx = unknown> {
  jobs: NewJob[];
  /** An app-owned transaction handle (backend-specific); only where `capabilities.transactionalEnqueue`. */
  tx?: Tx;
}

export interface EnqueueResult {
  id: string;
  /** True when `uniqueKey` was already held by an unfinished job: `id` is that job's and nothing was written. */
  duplicate: boolean;
}

export interface ListParams {
  state?: JobState;
  queue?: string;
  method?: string;
  limit: number;
  offset: number;
}

export interface JobCounts {
  /** Jobs in each state (every state present, zero when none). */
  byState: Record<JobState, number>;
  /** Per queue, jobs in each state (every state present for each queue that has any job). */
  byQueue: Record<string, Record<JobState, number>>;
}

export interface CancelParams {
  id: string;
  /** When the cancelled (`deleted`) job may be purged. */
  expiresAt: Date | null;
}

export interface FetchAndLockParams {
  /** The claiming server's id, stamped as `lockedBy`; reclaim of a dead server matches on it. */
  serverId: string;
  /** Queues to claim from; empty claims from every queue. */
  queues: readonly string[];
  /** Most jobs to claim in this call. */
  limit: number;
  /** Lease length: `lockedUntil` = now + leaseMs. */
  leaseMs: number;
}

/** Proof of a claim: the job id and the fencing token the claim issued. */
export interface Lease {
  id: string;
  leaseId: string;
}

/**
 * Where `finish` moves a job: finished (`succeeded`, `failed`), or back to wait for `runAt`: `awaiting_retry` spends
 * the attempt (a failed try), `scheduled` refunds it (a snooze: `attempt` - 1, `lastError` kept).
 */
export type FinishState = 'succeeded' | 'failed' | 'awaiting_retry' | 'scheduled';

export interface FinishOutcome extends Lease {
  to: FinishState;
  /** JSON text of the handler's result (succeeded only). */
  result?: string | null;
  /** The attempt's error (failed, awaiting_retry); ignored by `scheduled`, which keeps `lastError` as it was. */
  error?: JobError | null;
  /** When the job is due again (awaiting_retry and scheduled only; required there). */
  runAt?: Date;
  /** When the finished job may be purged (succeeded/failed); null keeps it. */
  expiresAt?: Date | null;
  /** Delete the job in the same write that finishes it (a TTL of 0). */
  purge?: boolean;
}

export interface FinishParams {
  /** One per job; each applies or not on its own (a stale lease changes nothing), in one round trip. */
  outcomes: FinishOutcome[];
  /**
   * The write's time: `updatedAt`, and `finishedAt` of a finished job. The server passes it so the events it emits
   * carry the job as stored without reading it back; absent, the storage reads its clock.
   */
  now?: Date;
}

export interface RenewLeasesParams {
  leases: Lease[];
  lockedUntil: Date;
}

export interface ProgressReport extends Lease {
  progress: number;
}

export interface RecordProgressParams {
  reports: ProgressReport[];
}

export interface ReleaseParams {
  leases: Lease[];
}

export interface ReleaseLostClaimsParams {
  /** The server whose claims to check: jobs `processing` with `lockedBy` = serverId. */
  serverId: string;
  /** The leases the server holds and knows of; its other `processing` jobs came from claims whose reply it lost. */
  heldLeaseIds: string[];
}

export interface SweepParams {
  now: Date;
  /** Most jobs to move in this call; callers repeat while a batch comes back full. */
  limit: number;
}

export interface RequeueExpiredLeasesParams extends SweepParams {
  /**
   * Purge time for jobs that had no attempt left (attempt >= maxAttempts): those move to `failed`, not `enqueued`,
   * so a job that kills its process cannot loop forever.
   */
  failedExpiresAt: Date | null;
}

export interface ReclaimDeadServersParams {
  /** Servers whose last heartbeat is before this are dead. */
  before: Date;
  /** As in RequeueExpiredLeasesParams. */
  failedExpiresAt: Date | null;
}

/** A job after a sweep moved it, and the state it left. */
export interface MovedJob {
  job: Job;
  from: JobState;
}

export interface ReclaimedServer {
  serverId: string;
  /** The dead server's processing jobs, now `enqueued` (or `failed` when they had no attempt left). */
  jobs: Job[];
}

export interface ServerInfo {
  /** `serverName#uuid`. */
  id: string;
  name: string;
  hostname: string;
  pid: number;
  queues: string[];
  workerCount: number;
  startedAt: Date;
  lastHeartbeatAt: Date;
}

/** What the core stores for a recurring job: the template of each firing and when it next fires. */
export interface RecurringDefinition {
  id: string;
  /** 5- or 6-field cron expression. */
  cron: string;
  /** IANA zone the cron is read in. */
  timezone: string;
  method: string;
  /** JSON text of the payload every firing gets. */
  payload: string;
  queue: string;
  priority: number;
  maxAttempts: number;
  timeoutMs: number | null;
  metadata: Record<string, string>;
  /** After downtime: `once` fires one catch-up run, `skip` fires none. */
  misfire: 'once' | 'skip';
  /** `skip`: no tick fires while the previous firing's job is unfinished; `allow`: every tick fires. */
  overlap: 'allow' | 'skip';
  nextRunAt: Date;
  lastRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface FireRecurringParams {
  id: string;
  /** The `nextRunAt` the caller read; the firing happens only if it is still the stored one. */
  expectedRunAt: Date;
  nextRunAt: Date;
  /**
   * The firing, enqueued in the same atomic step (its uniqueKey is `recurring:<id>:<fireTime>`); null advances
   * `nextRunAt` without firing (misfire policy `skip`).
   */
  job: NewJob | null;
  /**
   * The uniqueKey of the previous firing's job (overlap policy `skip`): while an unfinished job holds it, the tick is
   * consumed without enqueuing `job`, as if `job` were null. Checked in the same atomic step as the compare-and-set.
   * @defaultValue null (no check)
   */
  skipWhileUnfinished?: string | null;
}

/**
 * What `fireRecurring` did: `fired` moved `nextRunAt` and enqueued the firing (or found its uniqueKey held);
 * `skipped` moved `nextRunAt` without enqueuing (a null job, or the previous firing still unfinished); false lost the
 * compare-and-set and changed nothing.
 */
export type FireRecurringResult = 'fired' | 'skipped' | false;

/** Called when jobs may be available on `queue`. */
export type JobAvailableListener = (queue: string) => void;

/**
 * Called with the id of a job that `cancel` moved from `processing` to `deleted`, after the move is persisted: the
 * server holding its lease stops the handler now instead of at its next lease renewal.
 */
export type JobCancelledListener = (jobId: string) => void;

/**
 * The storage seam. `Tx` is the backend's transaction handle for `enqueue({ tx })`; `unknown` where it has none.
 * Time-sensitive methods read `clock`, which the server shares.
 *
 * `updatedAt`: every write to a job sets it to now (a sweep's or a finish's own `now`, otherwise `clock.now()`), except
 * `renewLeases`, which only moves `lockedUntil`; `enqueue` sets it to the NewJob's `createdAt`.
 */
export interface Storage<Tx = unknown> {
  readonly capabilities: StorageCapabilities;
  readonly clock: Clock;

  // Lifecycle
  /** Creates or upgrades the schema; idempotent, also run lazily on first use. */
  migrate(): Promise<void>;
  /** Releases connections and timers; the storage is unusable after. */
  close(): Promise<void>;
  /**
   * Push: `onJobAvailable` hears queues that got `enqueued` jobs, `onJobCancelled` hears running (`processing`) jobs
   * that were cancelled. Both are called asynchronously, never inside the write, and a listener that throws never
   * reaches the writer. They hear writes made through this instance, or through any instance on the same data when
   * `capabilities.crossProcessPush` (best effort: a push lost while a connection is down is not replayed, so servers
   * keep polling and renewing as the safety net). A backend without push calls neither. Returns the unsubscribe.
   */
  subscribe(onJobAvailable: JobAvailableListener, onJobCancelled?: JobCancelledListener): () => void;

  // Jobs
  /** Inserts jobs, all or nothing; a held uniqueKey returns the holder's id with `duplicate: true`. */
  enqueue(params: EnqueueParams<Tx>): Promise<EnqueueResult[]>;
  get(id: string): Promise<Job | null>;
  /** Jobs matching the filters, oldest id first. */
  list(params: ListParams): Promise<Job[]>;
  counts(): Promise<JobCounts>;
  /**
   * Moves an unfinished job to `deleted` and revokes its lease. A job that was `processing` is announced to
   * `subscribe`'s `onJobCancelled` once the cancel is persisted, so the server holding it fires its signal at once;
   * without push it learns of it when its lease renewal fails. NotFoundError if missing; IllegalTransitionError if
   * already finished.
   */
  cancel(params: CancelParams): Promise<Job>;
  /**
   * `failed` -> `enqueued`, due now, attempts reset to 0, lastError kept. NotFoundError / IllegalTransitionError
   * otherwise; UniqueKeyConflictError when another unfinished job now holds its uniqueKey (nothing changes).
   */
  retryFailed(id: string): Promise<Job>;
  /** Removes the job whatever its state; false if it did not exist. */
  delete(id: string): Promise<boolean>;

  // Claims and their fenced writes
  /**
   * Atomically claims up to `limit` `enqueued` jobs, ordered priority desc, runAt asc, id asc: each moves to
   * `processing` with attempt + 1, a fresh leaseId, lockedBy and lockedUntil. No job is returned to two callers.
   */
  fetchAndLock(params: FetchAndLockParams): Promise<Job[]>;
  /** Compare-and-set on leaseId + processing, per outcome; a stale lease returns false and changes nothing. */
  finish(params: FinishParams): Promise<boolean[]>;
  /** Moves `lockedUntil` only (`updatedAt` stays: a renewal is bookkeeping, not a change to the job). */
  renewLeases(params: RenewLeasesParams): Promise<boolean[]>;
  /** Stores `progress` and sets `updatedAt` to now. */
  recordProgress(params: RecordProgressParams): Promise<boolean[]>;
  /** Hands leased jobs back to `enqueued` with the attempt refunded (graceful stop). */
  release(params: ReleaseParams): Promise<boolean[]>;
  /**
   * Hands back, as `release` does (to `enqueued`, attempt refunded, lease revoked), every `processing` job locked by
   * `serverId` whose leaseId is not in `heldLeaseIds`: the jobs of a claim whose reply never reached the server, so
   * they provably never started. Returns them as moved (`from: 'processing'`).
   */
  releaseLostClaims(params: ReleaseLostClaimsParams): Promise<MovedJob[]>;

  // Sweeps: each reads by index only what is due
  /** Due `scheduled` / `awaiting_retry` jobs -> `enqueued`. */
  promoteDue(params: SweepParams): Promise<MovedJob[]>;
  /**
   * `processing` jobs whose lease lapsed (`lockedUntil <= now`) -> `enqueued` (attempt and lastError kept, runAt =
   * now), or `failed` when none is left.
   */
  requeueExpiredLeases(params: RequeueExpiredLeasesParams): Promise<MovedJob[]>;
  /** Deletes finished jobs whose `expiresAt` has passed; returns how many. */
  purgeExpired(params: SweepParams): Promise<number>;

  // Servers
  /** Inserts or replaces the server's row. */
  registerServer(info: ServerInfo): Promise<void>;
  /** Stamps `lastHeartbeatAt` = now; false when the row is gone (a peer reclaimed it). */
  heartbeatServer(id: string): Promise<boolean>;
  deregisterServer(id: string): Promise<void>;
  listServers(): Promise<ServerInfo[]>;
  /**
   * Removes servers silent since `before` and hands back their processing jobs, in one atomic step per server, so
   * two peers racing reclaim each job once.
   */
  reclaimDeadServers(params: ReclaimDeadServersParams): Promise<ReclaimedServer[]>;

  // Recurring
  /**
   * Inserts or replaces a definition; always keeps the stored `createdAt` and (when set) `lastRunAt`, the last firing,
   * which overlap 'skip' reads even across a schedule change; keeps the stored `nextRunAt` when cron and timezone are
   * unchanged. Returns the definition as stored.
   */
  upsertRecurring(def: RecurringDefinition): Promise<RecurringDefinition>;
  /** False if it did not exist. */
  removeRecurring(id: string): Promise<boolean>;
  listRecurring(): Promise<RecurringDefinition[]>;
  /** Definitions with `nextRunAt <= now`. */
  listDueRecurring(now: Date): Promise<RecurringDefinition[]>;
  /**
   * Compare-and-set of nextRunAt plus enqueue of the firing, atomically: `fired` or `skipped` for the one caller that
   * won, false for the others. The firing is skipped when `job` is null or an unfinished job holds
   * `skipWhileUnfinished`. `lastRunAt` is set to `expectedRunAt` only when it fired; `updatedAt` is set to now.
   */
  fireRecurring(params: FireRecurringParams): Promise<FireRecurringResult>;
}
