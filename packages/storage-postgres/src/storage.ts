// storage.ts: PostgresStorage, the Storage seam on PostgreSQL. Each method is glue: check it is open and migrated,
// pick the statement in src/sql, bind `now` from the clock, map rows. The SQL files hold the semantics (claims,
// fencing, sweeps); enqueue.ts the dedup answers; listener.ts the LISTEN connection; migrate.ts the schema.
import { randomBytes } from 'node:crypto';
import {
  type Clock,
  IllegalTransitionError,
  type Job,
  type JobState,
  NotFoundError,
  UniqueKeyConflictError,
} from '@jobsmith/core';
import {
  type CancelParams,
  type ClaimStamp,
  type CountRow,
  cancelPushMessage,
  claimedJobFromSqlRow,
  closedStorageError,
  type EnqueueParams,
  type EnqueueResult,
  type FetchAndLockParams,
  type FinishParams,
  type FireRecurringParams,
  type FireRecurringResult,
  foldCounts,
  type JobAvailableListener,
  type JobCancelledListener,
  type JobCounts,
  jobFromSqlRow,
  type Lease,
  type ListParams,
  type MovedJob,
  type ReclaimDeadServersParams,
  type ReclaimedServer,
  type RecordProgressParams,
  type RecurringDefinition,
  type ReleaseLostClaimsParams,
  type ReleaseParams,
  type RenewLeasesParams,
  type RequeueExpiredLeasesParams,
  recurringFromSqlRow,
  type ServerInfo,
  type SqlClaimedRow,
  type SqlJobRow,
  type SqlRecurringRow,
  type Storage,
  type StorageCapabilities,
  StoreClockSync,
  type SweepParams,
  withInputChecks,
} from '@jobsmith/core/storage';
import type pg from 'pg';
import { Database } from './database.js';
import { insertJobs } from './enqueue.js';
import { describeTarget, isUniqueKeyViolation, toStorageError } from './errors.js';
import { NotificationListener } from './listener.js';
import { migrationTimeoutMs, runMigrations } from './migrate.js';
import { type PostgresStorageOptions, resolveOptions } from './options.js';
import type { PoolCloser } from './pool-closer.js';
import {
  finishColumns,
  finishPurgeColumns,
  type ReclaimRow,
  recurringColumns,
  type ServerRow,
  serverColumns,
  toMovedJob,
  toReclaimedServers,
  toServerInfo,
} from './rows.js';
import { bindMigrations, bindStatements, channelName, type Migration } from './statements.js';
import { checkTransactionClient } from './validate.js';
import { WakeUps } from './wake-ups.js';

/** How long close() lets calls in flight settle before cutting their connections, in ms. */
const CLOSE_GRACE_MS = 500;

/** Every capability but storeClock, which is whether this storage's clock syncs to the database's (syncClock). */
const CAPABILITIES = Object.freeze({
  push: true,
  crossProcessPush: true,
  multiProcess: true,
  transactionalEnqueue: true,
} satisfies Omit<StorageCapabilities, 'storeClock'>);

/**
 * jobsmith's storage on PostgreSQL (`pg`): SKIP LOCKED batch claims, fenced writes, LISTEN/NOTIFY wake-ups, and
 * versioned migrations in its own schema. `enqueue({ jobs, tx })` takes an app-owned `pg` client inside the app's
 * transaction, so the jobs commit or roll back with the app's rows.
 */
export class PostgresStorage implements Storage<pg.ClientBase> {
  readonly capabilities: StorageCapabilities;
  /** The `clock` option, or, with `syncClock`, a StoreClock over it that reads the database's time. */
  readonly clock: Clock;
  /** The schema holding this storage's tables. */
  readonly schema: string;
  private readonly db: Database;
  /** The same pool, with the longer timeout of migration statements. */
  private readonly migrationDb: Database;
  private readonly migrationTimeoutMs: number;
  private readonly channel: string;
  private readonly migrations: Migration[];
  private readonly listener: NotificationListener;
  private readonly wakeUps: WakeUps;
  private readonly clockSync: StoreClockSync | null;
  /** Ends the pool on close(); null for an app-owned pool, which close() leaves open. */
  private readonly poolCloser: PoolCloser | null;
  /** synchronous_commit for a claim's own transaction: 'off', or null (durableClaims) to keep the session's. */
  private readonly claimCommit: 'off' | null;
  private migrated: Promise<void> | null = null;
  private isMigrated = false;
  private closed = false;

  constructor(options: PostgresStorageOptions) {
    const resolved = resolveOptions(options);
    this.schema = resolved.schema;
    this.poolCloser = resolved.poolCloser;
    this.claimCommit = resolved.durableClaims ? null : 'off';
    this.channel = channelName(resolved.schema);
    this.migrations = bindMigrations(resolved.schema);
    const statements = bindStatements(resolved.schema);
    const target = describeTarget(resolved.clientConfig);
    this.db = new Database(resolved.pool, statements, target);
    this.clockSync = resolved.syncClock
      ? new StoreClockSync(resolved.clock, () => this.readStoreTime(), resolved.onError)
      : null;
    this.clock = this.clockSync?.clock ?? resolved.clock;
    this.capabilities = Object.freeze({ ...CAPABILITIES, storeClock: resolved.syncClock });
    this.migrationTimeoutMs = migrationTimeoutMs(resolved.queryTimeoutMs);
    this.migrationDb = new Database(resolved.pool, statements, target, this.migrationTimeoutMs);
    this.wakeUps = new WakeUps(async (queues) => {
      await this.db.run('enqueue', 'notify', [this.channel, queues]).catch((error: unknown) => {
        resolved.onError(error as Error);
      });
    });
    // An idle pooled connection that dies emits 'error' on the pool; unheard, Node would crash the process.
    if (resolved.poolCloser) {
      resolved.pool.on('error', (error) => resolved.onError(toStorageError('pool', error, target)));
    }
    this.listener = new NotificationListener({
      clientConfig: resolved.clientConfig,
      listenStatement: statements.listen.text,
      wrapError: (cause) => toStorageError('subscribe', cause, target),
      onError: resolved.onError,
    });
    // biome-ignore lint/correctness/noConstructorReturn: callers get the instance behind the seam's input checks.
    return withInputChecks(this);
  }

  // Lifecycle

  /** Creates or upgrades the schema; idempotent and shared by every caller (each method also awaits it). */
  async migrate(): Promise<void> {
    await this.ready('migrate');
  }

  /**
   * Closes the LISTEN connection and, unless the pool was given by the app, the pool. Calls still in flight get half
   * a second to settle, then their connections are cut (they reject), so close() returns promptly even while the
   * store does not answer; a call still waiting for a free connection then fails at connectionTimeoutMs. With an
   * app-owned pool calls go on, each bounded by the pool's own timeouts. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.listener.close(), this.closePool()]);
  }

  /**
   * Wakes `onJobAvailable(queue)` whenever any process enqueues, promotes, retries or hands back jobs in this schema,
   * and `onJobCancelled(id)` whenever any process cancels a running job (NOTIFY is delivered at commit). The first
   * call opens the storage's one LISTEN connection, kept until `close()` and re-opened after a drop; notifications
   * sent while it was down are lost, so keep polling (and renewing leases) as the safety net.
   */
  subscribe(onJobAvailable: JobAvailableListener, onJobCancelled?: JobCancelledListener): () => void {
    if (this.closed) return () => {};
    return this.listener.subscribe(onJobAvailable, onJobCancelled);
  }

  // Jobs

  async enqueue(params: EnqueueParams<pg.ClientBase>): Promise<EnqueueResult[]> {
    const { jobs, tx } = params;
    if (tx !== undefined) checkTransactionClient('enqueue', tx);
    await this.ready('enqueue');
    if (jobs.length === 0) return [];
    return insertJobs(this.db, jobs, this.channel, tx ?? this.db.pool, this.wakeUps);
  }

  async get(id: string): Promise<Job | null> {
    await this.ready('get');
    const { rows } = await this.db.run<SqlJobRow>('get', 'get', [id]);
    return rows[0] ? jobFromSqlRow(rows[0]) : null;
  }

  async list(params: ListParams): Promise<Job[]> {
    await this.ready('list');
    const { state = null, queue = null, method = null, limit, offset } = params;
    const { rows } = await this.db.run<SqlJobRow>('list', 'list', [state, queue, method, limit, offset]);
    return rows.map(jobFromSqlRow);
  }

  async counts(): Promise<JobCounts> {
    await this.ready('counts');
    const { rows } = await this.db.run<CountRow>('counts', 'counts');
    return foldCounts(rows);
  }

  async cancel(params: CancelParams): Promise<Job> {
    const { id, expiresAt } = params;
    await this.ready('cancel');
    const values = [id, expiresAt, this.clock.now(), this.channel, cancelPushMessage(id)];
    const { rows } = await this.db.run<SqlJobRow>('cancel', 'cancel', values);
    if (rows[0]) return jobFromSqlRow(rows[0]);
    throw await this.refusal('cancel', id, 'deleted');
  }

  async retryFailed(id: string): Promise<Job> {
    await this.ready('retryFailed');
    const values = [id, this.clock.now(), this.channel];
    const retried = await this.db.run<SqlJobRow>('retryFailed', 'retry-failed', values).catch((error: unknown) => {
      // The unique_key index refuses a second unfinished holder (also one committed concurrently): nothing changed.
      if (isUniqueKeyViolation(error)) return this.uniqueKeyConflict('retryFailed', id, error);
      throw error;
    });
    if (retried.rows[0]) return jobFromSqlRow(retried.rows[0]);
    throw await this.refusal('retryFailed', id, 'enqueued');
  }

  async delete(id: string): Promise<boolean> {
    await this.ready('delete');
    const { rowCount } = await this.db.run('delete', 'delete', [id]);
    return rowCount === 1;
  }

  // Claims and their fenced writes

  async fetchAndLock(params: FetchAndLockParams): Promise<Job[]> {
    const { serverId, queues, limit, leaseMs } = params;
    await this.ready('fetchAndLock');
    if (limit === 0) return [];
    const now = this.clock.now();
    const lockedUntil = new Date(now.getTime() + leaseMs);
    // One queue (the usual case) has its own statement, which reads that queue's claim index in order.
    const [queue] = queues;
    const [name, scope] =
      queues.length === 1 ? (['fetch-and-lock-queue', queue] as const) : (['fetch-and-lock', queues] as const);
    // One fresh random base per call (96 bits); the statement appends each row's address, so every lease id is fresh.
    const leaseBase = randomBytes(12).toString('base64url');
    const values = [scope, limit, serverId, lockedUntil, now, leaseBase, this.claimCommit];
    const { rows } = await this.db.run<SqlClaimedRow>('fetchAndLock', name, values);
    const claim: ClaimStamp = { serverId, now, lockedUntil };
    return rows.map((row) => claimedJobFromSqlRow(row, claim));
  }

  async finish({ outcomes, now }: FinishParams): Promise<boolean[]> {
    await this.ready('finish');
    if (outcomes.length === 0) return [];
    // Every outcome deletes its job (a TTL of 0): the lean statement, which binds two arrays rather than eight.
    const isPurgeOnly = outcomes.every((outcome) => outcome.purge === true);
    const { rows } = isPurgeOnly
      ? await this.db.run<{ ord: number }>('finish', 'finish-purge', finishPurgeColumns(outcomes))
      : await this.db.run<{ ord: number }>('finish', 'finish', [...finishColumns(outcomes), now ?? this.clock.now()]);
    const applied = new Set(rows.map((row) => row.ord));
    return outcomes.map((_, index) => applied.has(index + 1));
  }

  async renewLeases(params: RenewLeasesParams): Promise<boolean[]> {
    await this.ready('renewLeases');
    return this.fencedWrite('renewLeases', 'renew-leases', params.leases, [params.lockedUntil]);
  }

  async recordProgress({ reports }: RecordProgressParams): Promise<boolean[]> {
    await this.ready('recordProgress');
    const progress = reports.map((report) => report.progress);
    return this.fencedWrite('recordProgress', 'record-progress', reports, [progress, this.clock.now()]);
  }

  async release(params: ReleaseParams): Promise<boolean[]> {
    await this.ready('release');
    return this.fencedWrite('release', 'release', params.leases, [this.clock.now(), this.channel]);
  }

  async releaseLostClaims(params: ReleaseLostClaimsParams): Promise<MovedJob[]> {
    const { serverId, heldLeaseIds } = params;
    await this.ready('releaseLostClaims');
    const values = [serverId, heldLeaseIds, this.clock.now(), this.channel];
    const { rows } = await this.db.run<SqlJobRow>('releaseLostClaims', 'release-lost-claims', values);
    return rows.map((row) => toMovedJob(row, 'processing'));
  }

  // Sweeps

  async promoteDue(params: SweepParams): Promise<MovedJob[]> {
    const { now, limit } = params;
    await this.ready('promoteDue');
    if (limit === 0) return [];
    const { rows } = await this.db.run<SqlJobRow>('promoteDue', 'promote-due', [now, limit, this.channel]);
    return rows.map((row) => toMovedJob(row));
  }

  async requeueExpiredLeases(params: RequeueExpiredLeasesParams): Promise<MovedJob[]> {
    const { now, limit, failedExpiresAt } = params;
    await this.ready('requeueExpiredLeases');
    if (limit === 0) return [];
    const values = [now, limit, failedExpiresAt, this.channel];
    const { rows } = await this.db.run<SqlJobRow>('requeueExpiredLeases', 'requeue-expired-leases', values);
    return rows.map((row) => toMovedJob(row, 'processing'));
  }

  async purgeExpired(params: SweepParams): Promise<number> {
    const { now, limit } = params;
    await this.ready('purgeExpired');
    if (limit === 0) return 0;
    const { rowCount } = await this.db.run('purgeExpired', 'purge-expired', [now, limit]);
    return rowCount ?? 0;
  }

  // Servers

  async registerServer(info: ServerInfo): Promise<void> {
    await this.ready('registerServer');
    await this.db.run('registerServer', 'register-server', serverColumns(info));
  }

  async heartbeatServer(id: string): Promise<boolean> {
    await this.ready('heartbeatServer');
    const { rowCount } = await this.db.run('heartbeatServer', 'heartbeat-server', [id, this.clock.now()]);
    return rowCount === 1;
  }

  async deregisterServer(id: string): Promise<void> {
    await this.ready('deregisterServer');
    await this.db.run('deregisterServer', 'deregister-server', [id]);
  }

  async listServers(): Promise<ServerInfo[]> {
    await this.ready('listServers');
    const { rows } = await this.db.run<ServerRow>('listServers', 'list-servers');
    return rows.map(toServerInfo);
  }

  async reclaimDeadServers(params: ReclaimDeadServersParams): Promise<ReclaimedServer[]> {
    const { before, failedExpiresAt } = params;
    await this.ready('reclaimDeadServers');
    const values = [before, this.clock.now(), failedExpiresAt, this.channel];
    const { rows } = await this.db.run<ReclaimRow>('reclaimDeadServers', 'reclaim-dead-servers', values);
    return toReclaimedServers(rows);
  }

  // Recurring

  async upsertRecurring(def: RecurringDefinition): Promise<RecurringDefinition> {
    await this.ready('upsertRecurring');
    const { rows } = await this.db.run<SqlRecurringRow>('upsertRecurring', 'upsert-recurring', recurringColumns(def));
    return recurringFromSqlRow(rows[0] as SqlRecurringRow);
  }

  async removeRecurring(id: string): Promise<boolean> {
    await this.ready('removeRecurring');
    const { rowCount } = await this.db.run('removeRecurring', 'remove-recurring', [id]);
    return rowCount === 1;
  }

  async listRecurring(): Promise<RecurringDefinition[]> {
    await this.ready('listRecurring');
    const { rows } = await this.db.run<SqlRecurringRow>('listRecurring', 'list-recurring');
    return rows.map(recurringFromSqlRow);
  }

  async listDueRecurring(now: Date): Promise<RecurringDefinition[]> {
    await this.ready('listDueRecurring');
    const { rows } = await this.db.run<SqlRecurringRow>('listDueRecurring', 'list-due-recurring', [now]);
    return rows.map(recurringFromSqlRow);
  }

  async fireRecurring(params: FireRecurringParams): Promise<FireRecurringResult> {
    const { id, expectedRunAt, nextRunAt, job, skipWhileUnfinished = null } = params;
    await this.ready('fireRecurring');
    return this.db.transaction('fireRecurring', async (client): Promise<FireRecurringResult> => {
      const values = [id, expectedRunAt, nextRunAt, job !== null, this.clock.now(), skipWhileUnfinished];
      const { rows } = await this.db.run<{ fires: boolean }>('fireRecurring', 'fire-recurring', values, client);
      if (rows.length !== 1) return false;
      if (job === null || !rows[0]?.fires) return 'skipped';
      await insertJobs(this.db, [job], this.channel, client, this.wakeUps);
      return 'fired';
    });
  }

  // Internals

  /**
   * Rejects once closed; otherwise the one shared migration (retried on the next call if it failed). Once it has
   * succeeded this is a flag check: no round trip and no extra promise per call.
   */
  private ready(operation: string): Promise<void> | undefined {
    if (this.closed) return Promise.reject(closedStorageError(operation, 'PostgresStorage'));
    if (this.isMigrated) return undefined;
    this.migrated ??= this.prepare().then(
      () => {
        this.isMigrated = true;
      },
      (error: unknown) => {
        this.migrated = null;
        throw error;
      },
    );
    return this.migrated;
  }

  /** Ends the pool if this storage opened it (cutting calls that outlive CLOSE_GRACE_MS), then awaits what it ran. */
  private async closePool(): Promise<void> {
    const resyncStopped = this.clockSync?.stop();
    await this.poolCloser?.end(this.db.pool, CLOSE_GRACE_MS);
    await resyncStopped;
    await this.migrated?.catch(() => undefined);
    await this.wakeUps.idle();
  }

  /**
   * What must be done once before the first operation: the clock's first measure (first, so the migrations record
   * store time too), then the migrations.
   */
  private async prepare(): Promise<void> {
    await this.clockSync?.start();
    const { migrationDb, schema, migrations, clock, migrationTimeoutMs } = this;
    await runMigrations(migrationDb, schema, migrations, clock, migrationTimeoutMs);
  }

  /** The database's clock (clock_timestamp()), which every process of a fleet reads through its StoreClock. */
  private async readStoreTime(): Promise<Date> {
    const { rows } = await this.db.run<{ now: Date }>('syncClock', 'read-store-time');
    return (rows[0] as { now: Date }).now;
  }

  /** Runs a lease-fenced batch statement ($1 ids, $2 lease ids, then `extra`); true for each lease that applied. */
  private async fencedWrite(
    operation: string,
    name: 'renew-leases' | 'record-progress' | 'release',
    leases: readonly Lease[],
    extra: unknown[],
  ): Promise<boolean[]> {
    if (leases.length === 0) return [];
    const ids = leases.map((lease) => lease.id);
    const leaseIds = leases.map((lease) => lease.leaseId);
    const { rows } = await this.db.run<{ id: string; lease_id: string }>(operation, name, [ids, leaseIds, ...extra]);
    const applied = new Set(rows.map((row) => `${row.id}\u0000${row.lease_id}`));
    return leases.map((lease) => applied.has(`${lease.id}\u0000${lease.leaseId}`));
  }

  /** Why a cancel / retryFailed matched no row: the job is missing, or its state forbids the move. */
  private async refusal(operation: string, id: string, to: JobState): Promise<Error> {
    const { rows } = await this.db.run<SqlJobRow>(operation, 'get', [id]);
    const job = rows[0];
    return job ? new IllegalTransitionError(operation, id, job.state, to) : new NotFoundError(operation, id);
  }

  /** Throws what a unique_key violation of retryFailed means: another unfinished job holds the job's key. */
  private async uniqueKeyConflict(operation: string, id: string, violation: unknown): Promise<never> {
    const { rows } = await this.db.run<SqlJobRow>(operation, 'get', [id]);
    const uniqueKey = rows[0]?.unique_key;
    throw uniqueKey ? new UniqueKeyConflictError(operation, id, uniqueKey) : violation;
  }
}
