// storage.ts: SqliteStorage, the Storage interface on better-sqlite3. Methods stay thin: check the input (core's
// storage checks), run one section function (jobs, claims, sweeps, servers, recurring) as a read or a BEGIN IMMEDIATE
// write, translate errors. Every async method goes through `run`, which waits for a held lock without blocking.
// Time comes only from `clock` (or a sweep's own `now`) and reaches SQL as a parameter.
import type { Clock, Job } from '@jobsmith/core';
import type {
  CancelParams,
  EnqueueParams,
  EnqueueResult,
  FetchAndLockParams,
  FinishParams,
  FireRecurringParams,
  FireRecurringResult,
  JobAvailableListener,
  JobCancelledListener,
  JobCounts,
  ListParams,
  MovedJob,
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
} from '@jobsmith/core/storage';
import { closedStorageError, LocalWakeUps, storageChecks, withInputChecks } from '@jobsmith/core/storage';
import type Database from 'better-sqlite3';
import { retryWhileBusy } from './busy-wait.js';
import { claimJobs, finishJobs, recordProgress, releaseJobs, releaseLostClaims, renewLeases } from './claims.js';
import { openDatabaseFile } from './connection.js';
import { toStorageError } from './errors.js';
import { cancelJob, countJobs, enqueueJobs, getJob, listJobs, retryFailedJob } from './jobs.js';
import { applyMigrations } from './migrate.js';
import { type ResolvedSqliteOptions, resolveSqliteOptions, type SqliteStorageOptions } from './options.js';
import * as recurring from './recurring.js';
import { toMs } from './rows.js';
import * as servers from './servers.js';
import { Statements } from './statements.js';
import { promoteDueJobs, purgeExpiredJobs, requeueExpiredLeases } from './sweeps.js';

type Body<T> = (statements: Statements, now: number) => T;

/** `body` in BEGIN IMMEDIATE (a SAVEPOINT inside the app's open transaction). */
function immediately<T>(body: Body<T>): Body<T> {
  return (statements, now) => statements.immediate(() => body(statements, now));
}

/**
 * Jobs in a SQLite file (or `:memory:`), shared safely by several processes: WAL, every write in BEGIN IMMEDIATE, and
 * a lock another process holds waited for asynchronously (`busyTimeoutMs`). Push wake-ups reach subscribers of this
 * object only; other processes find work by polling.
 */
export class SqliteStorage implements Storage<Database.Database> {
  readonly capabilities: StorageCapabilities;
  readonly clock: Clock;
  private readonly options: ResolvedSqliteOptions;
  /** The database's path, named in every StorageError. */
  private readonly file: string;
  private statements: Statements | undefined;
  private hasMigrated = false;
  private closed = false;
  private readonly wakeUps = new LocalWakeUps();

  /** @throws ConfigError naming the bad option. Opens nothing: the file is opened and migrated on first use. */
  constructor(options: SqliteStorageOptions) {
    this.options = resolveSqliteOptions(options);
    this.clock = this.options.clock;
    const { source } = this.options;
    this.file = source.kind === 'file' ? source.filename : source.database.name;
    // A private (in-memory) database is invisible to other processes, so it cannot claim to serve them.
    const isPrivate = source.kind === 'file' ? source.filename === ':memory:' : source.database.memory;
    this.capabilities = Object.freeze({
      push: true,
      crossProcessPush: false,
      multiProcess: !isPrivate,
      transactionalEnqueue: true,
      storeClock: false,
    });
    // biome-ignore lint/correctness/noConstructorReturn: callers get the instance behind the seam's input checks.
    return withInputChecks(this);
  }

  /**
   * The connection jobs are stored through (opened and migrated on first access). Run `database.transaction(...)`
   * with `enqueueSync` inside it to enqueue atomically with your own rows.
   */
  get database(): Database.Database {
    return this.runSync('database', (statements) => statements.db);
  }

  // Lifecycle

  async migrate(): Promise<void> {
    await this.read('migrate', () => undefined);
  }

  /** Closes the connection this storage opened; an app-owned `database` stays open. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeUps.clear();
    const db = this.statements?.db;
    this.statements = undefined;
    if (db && this.options.source.kind === 'file') db.close();
  }

  /**
   * Wakes `onJobAvailable` (in a microtask) with the queue of each job enqueued through this object, and
   * `onJobCancelled` with the id of each running job cancelled through it. Other processes on the same file hear
   * neither: a server there finds a cancel at its next lease renewal, which it runs every polling interval.
   */
  subscribe(onJobAvailable: JobAvailableListener, onJobCancelled?: JobCancelledListener): () => void {
    return this.wakeUps.subscribe(onJobAvailable, onJobCancelled);
  }

  // Jobs

  /**
   * A synchronous `enqueue`, for use inside the app's own `db.transaction(...)`: the jobs then commit or roll back
   * with the app's rows. Outside a transaction it runs in its own BEGIN IMMEDIATE. Throws instead of rejecting.
   * Being synchronous, it cannot wait for a lock without blocking: if another connection holds the write lock, it
   * blocks the event loop for up to SQLite's busy_timeout (100 ms on a connection this storage opened; the app's own
   * on an app-owned Database), then throws a StorageError.
   */
  enqueueSync(params: EnqueueParams<Database.Database>): EnqueueResult[] {
    // Not a Storage method, so withInputChecks does not see it: it checks its input itself.
    storageChecks.enqueue(params);
    const { results, readyQueues } = this.runSync(
      'enqueue',
      immediately((statements) => enqueueJobs(statements, params)),
    );
    this.notify(readyQueues);
    return results;
  }

  /**
   * Waits for a held lock without blocking, up to `busyTimeoutMs`. With `tx` (inside the app's open transaction) it
   * runs as `enqueueSync` does: the write happens before this returns, so it joins that transaction.
   */
  async enqueue(params: EnqueueParams<Database.Database>): Promise<EnqueueResult[]> {
    const { results, readyQueues } = await this.write('enqueue', (statements) => enqueueJobs(statements, params));
    this.notify(readyQueues);
    return results;
  }

  async get(id: string): Promise<Job | null> {
    return this.read('get', (statements) => getJob(statements, id));
  }

  async list(params: ListParams): Promise<Job[]> {
    return this.read('list', (statements) => listJobs(statements, params));
  }

  async counts(): Promise<JobCounts> {
    return this.read('counts', countJobs);
  }

  async cancel(params: CancelParams): Promise<Job> {
    const expiresAt = toMs(params.expiresAt);
    const { job, wasProcessing } = await this.write('cancel', (statements, now) =>
      cancelJob(statements, params.id, now, expiresAt),
    );
    if (wasProcessing) this.wakeUps.cancelled(job.id);
    return job;
  }

  async retryFailed(id: string): Promise<Job> {
    const job = await this.write('retryFailed', (statements, now) => retryFailedJob(statements, id, now));
    this.notify([job.queue]);
    return job;
  }

  async delete(id: string): Promise<boolean> {
    return this.write('delete', (statements) => statements.run('delete', { id }) === 1);
  }

  // Claims and their fenced writes

  async fetchAndLock(params: FetchAndLockParams): Promise<Job[]> {
    return this.write('fetchAndLock', (statements, now) => claimJobs(statements, params, now));
  }

  async finish({ outcomes, now: at }: FinishParams): Promise<boolean[]> {
    return this.write('finish', (statements, now) => finishJobs(statements, outcomes, at?.getTime() ?? now));
  }

  async renewLeases(params: RenewLeasesParams): Promise<boolean[]> {
    const lockedUntil = params.lockedUntil.getTime();
    return this.write('renewLeases', (statements) => renewLeases(statements, params.leases, lockedUntil));
  }

  async recordProgress({ reports }: RecordProgressParams): Promise<boolean[]> {
    return this.write('recordProgress', (statements, now) => recordProgress(statements, reports, now));
  }

  async release(params: ReleaseParams): Promise<boolean[]> {
    const { released, readyQueues } = await this.write('release', (statements, now) =>
      releaseJobs(statements, params.leases, now),
    );
    this.notify(readyQueues);
    return released;
  }

  async releaseLostClaims(params: ReleaseLostClaimsParams): Promise<MovedJob[]> {
    const moved = await this.write('releaseLostClaims', (statements, now) =>
      releaseLostClaims(statements, params, now),
    );
    this.notify(moved.map((entry) => entry.job.queue));
    return moved;
  }

  // Sweeps

  async promoteDue(params: SweepParams): Promise<MovedJob[]> {
    const now = params.now.getTime();
    const moved = await this.write('promoteDue', (statements) => promoteDueJobs(statements, now, params.limit));
    this.notify(moved.map((entry) => entry.job.queue));
    return moved;
  }

  async requeueExpiredLeases(params: RequeueExpiredLeasesParams): Promise<MovedJob[]> {
    const sweep = { now: params.now.getTime(), limit: params.limit, failedExpiresAt: toMs(params.failedExpiresAt) };
    const moved = await this.write('requeueExpiredLeases', (statements) => requeueExpiredLeases(statements, sweep));
    this.notify(moved.filter((entry) => entry.job.state === 'enqueued').map((entry) => entry.job.queue));
    return moved;
  }

  async purgeExpired(params: SweepParams): Promise<number> {
    const now = params.now.getTime();
    return this.write('purgeExpired', (statements) => purgeExpiredJobs(statements, now, params.limit));
  }

  // Servers

  async registerServer(info: ServerInfo): Promise<void> {
    await this.write('registerServer', (statements) => servers.registerServer(statements, info));
  }

  async heartbeatServer(id: string): Promise<boolean> {
    return this.write('heartbeatServer', (statements, now) => servers.heartbeatServer(statements, id, now));
  }

  async deregisterServer(id: string): Promise<void> {
    await this.write('deregisterServer', (statements) => servers.deregisterServer(statements, id));
  }

  async listServers(): Promise<ServerInfo[]> {
    return this.read('listServers', servers.listServers);
  }

  async reclaimDeadServers(params: ReclaimDeadServersParams): Promise<ReclaimedServer[]> {
    const operation = 'reclaimDeadServers';
    const before = params.before.getTime();
    const failedExpiresAt = toMs(params.failedExpiresAt);
    // One BEGIN IMMEDIATE per server, each waited for and retried on its own, so a retry never repeats a server
    // already reclaimed (and committed).
    const deadIds = await this.read(operation, (statements) => servers.listDeadServers(statements, before));
    const reclaimed: ReclaimedServer[] = [];
    for (const serverId of deadIds) {
      const server = await this.write(operation, (statements, now) =>
        servers.reclaimDeadServer(statements, serverId, { before, now, failedExpiresAt }),
      );
      if (!server) continue;
      reclaimed.push(server);
      this.notify(server.jobs.filter((job) => job.state === 'enqueued').map((job) => job.queue));
    }
    return reclaimed;
  }

  // Recurring

  async upsertRecurring(def: RecurringDefinition): Promise<RecurringDefinition> {
    return this.write('upsertRecurring', (statements) => recurring.upsertRecurring(statements, def));
  }

  async removeRecurring(id: string): Promise<boolean> {
    return this.write('removeRecurring', (statements) => recurring.removeRecurring(statements, id));
  }

  async listRecurring(): Promise<RecurringDefinition[]> {
    return this.read('listRecurring', recurring.listRecurring);
  }

  async listDueRecurring(now: Date): Promise<RecurringDefinition[]> {
    return this.read('listDueRecurring', (statements) => recurring.listDueRecurring(statements, now.getTime()));
  }

  async fireRecurring(params: FireRecurringParams): Promise<FireRecurringResult> {
    const tick = await this.write('fireRecurring', (statements, now) =>
      recurring.fireRecurring(statements, params, now),
    );
    if (tick === null) return false;
    this.notify(tick.inserted.readyQueues);
    return tick.result;
  }

  // Plumbing

  /** Runs `body` outside any transaction (single statements are atomic anyway). */
  private read<T>(operation: string, body: Body<T>): Promise<T> {
    return this.run(operation, body);
  }

  /** Runs `body` in BEGIN IMMEDIATE (a SAVEPOINT inside the app's open transaction). */
  private write<T>(operation: string, body: Body<T>): Promise<T> {
    return this.run(operation, immediately(body));
  }

  /**
   * The one way an async method reaches the database. Each attempt runs synchronously with SQLite's own (blocking)
   * busy wait off; a lock another connection holds is waited for asynchronously, for up to busyTimeoutMs
   * (busy-wait.ts). `body` must be at most one transaction, so a retry never repeats a committed write.
   */
  private async run<T>(operation: string, body: Body<T>): Promise<T> {
    const { busyTimeoutMs } = this.options;
    try {
      return await retryWhileBusy(() => this.attempt(operation, body), busyTimeoutMs);
    } catch (error) {
      throw toStorageError(operation, error, this.file, busyTimeoutMs);
    }
  }

  /**
   * One attempt of `run`. Inside a transaction the app opened it runs once, as the synchronous path does: waiting
   * would let the app's transaction end before the write, and a retry could not rejoin it.
   */
  private attempt<T>(operation: string, body: Body<T>): T {
    const statements = this.open(operation);
    if (statements.db.inTransaction) return this.runSync(operation, body);
    return statements.withoutBusyWait(() => body(this.migrated(statements), this.clock.now().getTime()));
  }

  /** The synchronous path (enqueueSync, `database`): a held lock is waited for by SQLite's own busy_timeout. */
  private runSync<T>(operation: string, body: Body<T>): T {
    try {
      return body(this.migrated(this.open(operation)), this.clock.now().getTime());
    } catch (error) {
      throw toStorageError(operation, error, this.file);
    }
  }

  /** The connection's statements, opening the file on first use. */
  private open(operation: string): Statements {
    if (this.closed) throw closedStorageError(operation, `SqliteStorage (database ${this.file})`);
    if (!this.statements) {
      const { source, tablePrefix } = this.options;
      const db = source.kind === 'file' ? openDatabaseFile(source.filename) : source.database;
      this.statements = new Statements(db, tablePrefix);
    }
    return this.statements;
  }

  /** `statements`, after applying pending migrations on first use (one BEGIN IMMEDIATE, so safe to retry). */
  private migrated(statements: Statements): Statements {
    if (!this.hasMigrated) {
      applyMigrations(statements, this.clock.now().getTime());
      this.hasMigrated = true;
    }
    return statements;
  }

  /** Wakes each subscriber once per queue, in a microtask; a throwing listener never reaches the writer. */
  private notify(queues: Iterable<string>): void {
    for (const queue of queues) this.wakeUps.wake(queue);
  }
}
