// storage.ts: MemoryStorage, the Storage contract held in one process's memory. Each method runs synchronously to the
// end, so each is atomic, and returns a settled promise; callers only ever get fresh copies, never stored objects.
import {
  type Clock,
  ConfigError,
  IllegalTransitionError,
  isFinishedState,
  type Job,
  type NewJob,
  NotFoundError,
  systemClock,
  UniqueKeyConflictError,
} from '@jobsmith/core';
import {
  type CancelParams,
  closedStorageError,
  type EnqueueParams,
  type EnqueueResult,
  type FetchAndLockParams,
  type FinishParams,
  type FireRecurringParams,
  type FireRecurringResult,
  type JobAvailableListener,
  type JobCancelledListener,
  type JobCounts,
  type Lease,
  type ListParams,
  LocalWakeUps,
  type MovedJob,
  type ReclaimDeadServersParams,
  type ReclaimedServer,
  type RecordProgressParams,
  type RecurringDefinition,
  type ReleaseLostClaimsParams,
  type ReleaseParams,
  type RenewLeasesParams,
  type RequeueExpiredLeasesParams,
  type ServerInfo,
  type Storage,
  type StorageCapabilities,
  type SweepParams,
  toStorageError,
  withInputChecks,
} from '@jobsmith/core/storage';
import { JobTable } from './job-table.js';
import { type JobRecord, jobFromRecord, type RecordPatch, recordFromNewJob } from './records.js';
import { RecurringTable } from './recurring.js';
import { compareIds, ServerRegistry } from './servers.js';
import { promoteDue, purgeExpired, reclaimServerJobs, requeueExpiredLeases } from './sweeps.js';
import { cancelPatch, claimPatch, finishPatch, releasePatch, retryPatch } from './transitions.js';

/** Options for `new MemoryStorage(options)`. */
export interface MemoryStorageOptions {
  /**
   * Where time comes from; share it with the server (a `ManualClock` makes tests deterministic).
   * @defaultValue `systemClock`
   */
  clock?: Clock;
}

const CAPABILITIES: StorageCapabilities = Object.freeze({
  push: true,
  crossProcessPush: false,
  multiProcess: false,
  transactionalEnqueue: false,
  storeClock: false,
});

/**
 * In-memory storage for unit tests and single-process use. Claims and sweeps read indexes (O(log n) per job), so it
 * stays fast with many jobs; `subscribe` wakes the server whenever a queue gets an `enqueued` job. Data lives only as
 * long as the instance: nothing is shared with other processes.
 */
export class MemoryStorage implements Storage {
  readonly capabilities: StorageCapabilities = CAPABILITIES;
  readonly clock: Clock;
  private readonly wakeUps = new LocalWakeUps();
  private readonly jobs = new JobTable((queue) => this.wakeUps.wake(queue));
  private readonly servers = new ServerRegistry();
  private readonly recurring = new RecurringTable();
  private closed = false;

  constructor(options: MemoryStorageOptions = {}) {
    for (const key of Object.keys(options)) {
      if (key !== 'clock') throw new ConfigError(`MemoryStorageOptions.${key}`, 'is not a known option');
    }
    const clock = options.clock ?? systemClock;
    if (typeof clock?.now !== 'function' || typeof clock.sleep !== 'function') {
      throw new ConfigError('MemoryStorageOptions.clock', 'must be a Clock with now() and sleep()', clock);
    }
    this.clock = clock;
    // biome-ignore lint/correctness/noConstructorReturn: callers get the instance behind the seam's input checks.
    return withInputChecks(this);
  }

  // Lifecycle

  /** Nothing to create; resolves at once. */
  migrate(): Promise<void> {
    return this.run('migrate', () => undefined);
  }

  /** Makes every later call reject with StorageError ('MemoryStorage is closed') and drops the listeners. Idempotent. */
  close(): Promise<void> {
    this.closed = true;
    this.wakeUps.clear();
    return Promise.resolve();
  }

  /**
   * Listeners hear of each queue that got an `enqueued` job and each running job cancelled, in a microtask; a closed
   * storage calls none.
   */
  subscribe(onJobAvailable: JobAvailableListener, onJobCancelled?: JobCancelledListener): () => void {
    if (this.closed) return () => undefined;
    return this.wakeUps.subscribe(onJobAvailable, onJobCancelled);
  }

  // Jobs

  enqueue(params: EnqueueParams): Promise<EnqueueResult[]> {
    return this.run('enqueue', () => {
      return params.jobs.map((job) => this.insert(job));
    });
  }

  get(id: string): Promise<Job | null> {
    return this.run('get', () => {
      const record = this.jobs.get(id);
      return record === undefined ? null : jobFromRecord(record);
    });
  }

  /** Scans every job: an admin read, not a hot path. */
  list(params: ListParams): Promise<Job[]> {
    return this.run('list', () => {
      const { state, queue, method } = params;
      const matches: JobRecord[] = [];
      for (const record of this.jobs.values()) {
        if (state !== undefined && record.state !== state) continue;
        if (queue !== undefined && record.queue !== queue) continue;
        if (method !== undefined && record.method !== method) continue;
        matches.push(record);
      }
      matches.sort((a, b) => compareIds(a.id, b.id));
      return matches.slice(params.offset, params.offset + params.limit).map(jobFromRecord);
    });
  }

  counts(): Promise<JobCounts> {
    return this.run('counts', () => this.jobs.counts());
  }

  cancel(params: CancelParams): Promise<Job> {
    return this.run('cancel', () => {
      const record = this.require('cancel', params.id);
      if (isFinishedState(record.state)) throw new IllegalTransitionError('cancel', record.id, record.state, 'deleted');
      if (record.state === 'processing') this.wakeUps.cancelled(record.id);
      return jobFromRecord(this.jobs.update(record, cancelPatch(this.now(), params.expiresAt)));
    });
  }

  retryFailed(id: string): Promise<Job> {
    return this.run('retryFailed', () => {
      const record = this.require('retryFailed', id);
      if (record.state !== 'failed') throw new IllegalTransitionError('retryFailed', id, record.state, 'enqueued');
      // Two unfinished jobs may never share a key.
      if (record.uniqueKey !== null && this.jobs.uniqueHolder(record.uniqueKey) !== undefined) {
        throw new UniqueKeyConflictError('retryFailed', id, record.uniqueKey);
      }
      return jobFromRecord(this.jobs.update(record, retryPatch(this.now())));
    });
  }

  delete(id: string): Promise<boolean> {
    return this.run('delete', () => {
      return this.jobs.remove(id);
    });
  }

  // Claims and their fenced writes

  fetchAndLock(params: FetchAndLockParams): Promise<Job[]> {
    return this.run('fetchAndLock', () => {
      const claimed: Job[] = [];
      if (params.limit === 0) return claimed;
      const now = this.now();
      for (const record of this.jobs.readyInOrder(params.queues)) {
        claimed.push(jobFromRecord(this.jobs.update(record, claimPatch(record, params.serverId, now, params.leaseMs))));
        if (claimed.length >= params.limit) break;
      }
      return claimed;
    });
  }

  finish({ outcomes, now: at }: FinishParams): Promise<boolean[]> {
    return this.run('finish', () => {
      const now = at?.getTime() ?? this.now();
      return outcomes.map((outcome) => {
        const record = this.leased(outcome);
        if (record === undefined) return false;
        if (outcome.purge === true) this.jobs.remove(record.id);
        else this.jobs.update(record, finishPatch(record, outcome, now));
        return true;
      });
    });
  }

  renewLeases(params: RenewLeasesParams): Promise<boolean[]> {
    return this.run('renewLeases', () => {
      // Only the lease moves: a renewal is bookkeeping, not a change to the job, so updatedAt stays.
      const patch = { lockedUntil: params.lockedUntil.getTime() };
      return this.eachLeased(params.leases, () => patch);
    });
  }

  recordProgress({ reports }: RecordProgressParams): Promise<boolean[]> {
    return this.run('recordProgress', () => {
      const now = this.now();
      return this.eachLeased(reports, (_, report) => ({ progress: report.progress, updatedAt: now }));
    });
  }

  release(params: ReleaseParams): Promise<boolean[]> {
    return this.run('release', () => {
      const now = this.now();
      return this.eachLeased(params.leases, (record) => releasePatch(record, now));
    });
  }

  releaseLostClaims(params: ReleaseLostClaimsParams): Promise<MovedJob[]> {
    return this.run('releaseLostClaims', () => {
      const now = this.now();
      const held = new Set(params.heldLeaseIds);
      const moved: MovedJob[] = [];
      for (const id of this.jobs.processingJobsOf(params.serverId)) {
        const record = this.jobs.get(id);
        if (record === undefined || held.has(record.leaseId ?? '')) continue;
        moved.push({ job: jobFromRecord(this.jobs.update(record, releasePatch(record, now))), from: 'processing' });
      }
      return moved;
    });
  }

  // Sweeps: each reads only the due head of its heap

  promoteDue(params: SweepParams): Promise<MovedJob[]> {
    return this.run('promoteDue', () => {
      return promoteDue(this.jobs, params.now.getTime(), params.limit);
    });
  }

  requeueExpiredLeases(params: RequeueExpiredLeasesParams): Promise<MovedJob[]> {
    return this.run('requeueExpiredLeases', () => {
      return requeueExpiredLeases(this.jobs, params.now.getTime(), params.limit, params.failedExpiresAt);
    });
  }

  purgeExpired(params: SweepParams): Promise<number> {
    return this.run('purgeExpired', () => {
      return purgeExpired(this.jobs, params.now.getTime(), params.limit);
    });
  }

  // Servers

  registerServer(info: ServerInfo): Promise<void> {
    return this.run('registerServer', () => {
      this.servers.register(info);
    });
  }

  heartbeatServer(id: string): Promise<boolean> {
    return this.run('heartbeatServer', () => {
      return this.servers.heartbeat(id, this.clock.now());
    });
  }

  deregisterServer(id: string): Promise<void> {
    return this.run('deregisterServer', () => {
      this.servers.deregister(id);
    });
  }

  listServers(): Promise<ServerInfo[]> {
    return this.run('listServers', () => this.servers.list());
  }

  reclaimDeadServers(params: ReclaimDeadServersParams): Promise<ReclaimedServer[]> {
    return this.run('reclaimDeadServers', () => {
      const now = this.now();
      return this.servers.removeSilentSince(params.before.getTime()).map((serverId) => ({
        serverId,
        jobs: reclaimServerJobs(this.jobs, serverId, now, params.failedExpiresAt),
      }));
    });
  }

  // Recurring

  upsertRecurring(def: RecurringDefinition): Promise<RecurringDefinition> {
    return this.run('upsertRecurring', () => {
      return this.recurring.upsert(def);
    });
  }

  removeRecurring(id: string): Promise<boolean> {
    return this.run('removeRecurring', () => {
      return this.recurring.remove(id);
    });
  }

  listRecurring(): Promise<RecurringDefinition[]> {
    return this.run('listRecurring', () => this.recurring.list());
  }

  listDueRecurring(now: Date): Promise<RecurringDefinition[]> {
    return this.run('listDueRecurring', () => {
      return this.recurring.listDue(now.getTime());
    });
  }

  fireRecurring(params: FireRecurringParams): Promise<FireRecurringResult> {
    return this.run('fireRecurring', () => {
      // A tick still to come is never fired, even if a caller read it as nextRunAt.
      const expected = params.expectedRunAt.getTime();
      if (expected > this.now() || !this.recurring.isDueAt(params.id, expected)) return false;
      // A null job (misfire 'skip') or a previous firing still unfinished (overlap 'skip') skips the tick: the
      // schedule moves on, but nothing fired, so lastRunAt stays.
      const previous = params.skipWhileUnfinished ?? null;
      const job = previous !== null && this.jobs.uniqueHolder(previous) !== undefined ? null : params.job;
      const firedAt = job === null ? null : params.expectedRunAt;
      this.recurring.advance(params.id, { nextRunAt: params.nextRunAt, firedAt, now: this.clock.now() });
      if (job === null) return 'skipped';
      this.insert(job);
      return 'fired';
    });
  }

  // Internals

  /** Runs `body` as one atomic step: rejects when closed, and turns any stray failure into a StorageError. */
  private run<T>(operation: string, body: () => T): Promise<T> {
    if (this.closed) return Promise.reject(closedStorageError(operation, 'MemoryStorage'));
    try {
      return Promise.resolve(body());
    } catch (error) {
      return Promise.reject(toStorageError(operation, error));
    }
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  private require(operation: string, id: string): JobRecord {
    const record = this.jobs.get(id);
    if (record === undefined) throw new NotFoundError(operation, id);
    return record;
  }

  /**
   * Inserts one validated job unless its id exists or its uniqueKey is held (then it is a duplicate). With
   * onDuplicate 'replace', a not-started holder takes the job's fields instead, and a started one gives up the key.
   */
  private insert(job: NewJob): EnqueueResult {
    if (this.jobs.get(job.id) !== undefined) return { id: job.id, duplicate: true };
    const holder = job.uniqueKey === null ? undefined : this.jobs.uniqueHolder(job.uniqueKey);
    if (holder !== undefined) {
      if (job.onDuplicate === 'keep') return { id: holder, duplicate: true };
      if (this.replaceHolder(this.jobs.get(holder)!, job)) return { id: holder, duplicate: true };
    }
    this.jobs.insert(recordFromNewJob(job, this.jobs.nextVersion()));
    return { id: job.id, duplicate: false };
  }

  /**
   * onDuplicate 'replace': a holder not started yet (enqueued or scheduled) takes the job's payload, runAt, priority,
   * metadata and state, and true is returned; a started one keeps running without the key (false: insert the job).
   */
  private replaceHolder(holder: JobRecord, job: NewJob): boolean {
    const updatedAt = job.createdAt.getTime();
    if (holder.state !== 'enqueued' && holder.state !== 'scheduled') {
      this.jobs.update(holder, { uniqueKey: null, updatedAt });
      return false;
    }
    const { payload, priority, state } = job;
    const next = this.jobs.update(holder, {
      payload,
      priority,
      state,
      runAt: job.runAt.getTime(),
      updatedAt,
      metadata: { ...job.metadata },
    });
    // A holder that stays enqueued wakes its queue too: it may now run sooner.
    if (holder.state === 'enqueued' && next.state === 'enqueued') this.wakeUps.wake(next.queue);
    return true;
  }

  /** The record `lease` still holds: processing under that very leaseId. */
  private leased(lease: Lease): JobRecord | undefined {
    const record = this.jobs.get(lease.id);
    return record?.state === 'processing' && record.leaseId === lease.leaseId ? record : undefined;
  }

  /** Applies `patch` to each job its lease still holds: one compare-and-set per lease, false where stale. */
  private eachLeased<L extends Lease>(
    leases: readonly L[],
    patch: (record: JobRecord, lease: L) => RecordPatch,
  ): boolean[] {
    return leases.map((lease) => {
      const record = this.leased(lease);
      if (record !== undefined) this.jobs.update(record, patch(record, lease));
      return record !== undefined;
    });
  }
}
