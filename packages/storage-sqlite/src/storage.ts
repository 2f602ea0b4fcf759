// storage.ts: SqliteStorage, the Storage interface on better-sqlite3. Methods stay thin: check the input (core's
// storage checks), run one section function (jobs, claims, sweeps, servers, recurring) as a read or a BEGIN IMMEDIATE
// write, translate errors. Time comes only from `clock` (or a sweep's own `now`) and reaches SQL as a parameter.
import type {
  CancelParams,
  Clock,
  EnqueueParams,
  EnqueueResult,
  FetchAndLockParams,
  FinishOutcome,
  FireRecurringParams,
  Job,
  JobAvailableListener,
  JobCounts,
  ListParams,
  MovedJob,
  ProgressReport,
  ReclaimDeadServersParams,
  ReclaimedServer,
  RecurringDefinition,
  ReleaseParams,
  RenewLeasesParams,
  RequeueExpiredLeasesParams,
  ServerInfo,
  Storage,
  StorageCapabilities,
  SweepParams,
} from '@jobsmith/core';
import { storageChecks, ValidationError } from '@jobsmith/core';
import type Database from 'better-sqlite3';
import { claimJobs, finishJobs, recordProgress, releaseJobs, renewLeases } from './claims.js';
import { openDatabaseFile } from './connection.js';
import { closedError, toStorageError } from './errors.js';
import { cancelJob, countJobs, getJob, insertJobs, listJobs, retryFailedJob } from './jobs.js';
import { applyMigrations } from './migrate.js';
import { type ResolvedSqliteOptions, resolveSqliteOptions, type SqliteStorageOptions } from './options.js';
import * as recurring from './recurring.js';
import { toMs } from './rows.js';
import * as servers from './servers.js';
import { Statements } from './statements.js';
import { promoteDueJobs, purgeExpiredJobs, requeueExpiredLeases } from './sweeps.js';

type Body<T> = (statements: Statements, now: number) => T;

/**
 * Jobs in a SQLite file (or `:memory:`), shared safely by several processes: WAL, busy_timeout, and every write in
 * BEGIN IMMEDIATE. Push wake-ups reach subscribers of this object only; other processes find work by polling.
 */
export class SqliteStorage implements Storage<Database.Database> {
  readonly capabilities: StorageCapabilities;
  readonly clock: Clock;
  private readonly options: ResolvedSqliteOptions;
  /** The database's path, named in every StorageError. */
  private readonly file: string;
  private statements: Statements | undefined;
  private migrated = false;
  private closed = false;
  private readonly listeners = new Set<JobAvailableListener>();

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
  }

  /**
   * The connection jobs are stored through (opened and migrated on first access). Run `database.transaction(...)`
   * with `enqueueSync` inside it to enqueue atomically with your own rows.
   */
  get database(): Database.Database {
    return this.read('database', (statements) => statements.db);
  }

  // Lifecycle

  async migrate(): Promise<void> {
    this.read('migrate', () => undefined);
  }

  /** Closes the connection this storage opened; an app-owned `database` stays open. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    const db = this.statements?.db;
    this.statements = undefined;
    if (db && this.options.source.kind === 'file') db.close();
  }

  /** Wakes `listener` (in a microtask) with the queue of each job enqueued through this object. */
  subscribe(listener: JobAvailableListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  // Jobs

  /**
   * A synchronous `enqueue`, for use inside the app's own `db.transaction(...)`: the jobs then commit or roll back
   * with the app's rows. Outside a transaction it runs in its own BEGIN IMMEDIATE. Throws instead of rejecting.
   */
  enqueueSync(params: EnqueueParams<Database.Database>): EnqueueResult[] {
    const operation = 'enqueue';
    storageChecks.enqueue(params);
    const { results, readyQueues } = this.write(operation, (statements) => {
      if (params.tx !== undefined && params.tx !== statements.db) {
        throw new ValidationError(operation, 'tx', 'must be the Database this storage stores jobs in', params.tx);
      }
      return insertJobs(statements, params.jobs);
    });
    this.notify(readyQueues);
    return results;
  }

  /** As `enqueueSync`; with `tx`, the write happens before this returns, so it joins the app's open transaction. */
  async enqueue(params: EnqueueParams<Database.Database>): Promise<EnqueueResult[]> {
    return this.enqueueSync(params);
  }

  async get(id: string): Promise<Job | null> {
    storageChecks.get(id);
    return this.read('get', (statements) => getJob(statements, id));
  }

  async list(params: ListParams): Promise<Job[]> {
    storageChecks.list(params);
    return this.read('list', (statements) => listJobs(statements, params));
  }

  async counts(): Promise<JobCounts> {
    return this.read('counts', countJobs);
  }

  async cancel(params: CancelParams): Promise<Job> {
    storageChecks.cancel(params);
    const expiresAt = toMs(params.expiresAt);
    return this.write('cancel', (statements, now) => cancelJob(statements, params.id, now, expiresAt));
  }

  async retryFailed(id: string): Promise<Job> {
    storageChecks.retryFailed(id);
    const job = this.write('retryFailed', (statements, now) => retryFailedJob(statements, id, now));
    this.notify([job.queue]);
    return job;
  }

  async delete(id: string): Promise<boolean> {
    storageChecks.delete(id);
    return this.write('delete', (statements) => statements.run('delete', { id }) === 1);
  }

  // Claims and their fenced writes

  async fetchAndLock(params: FetchAndLockParams): Promise<Job[]> {
    storageChecks.fetchAndLock(params);
    return this.write('fetchAndLock', (statements, now) => claimJobs(statements, params, now));
  }

  async finish(outcomes: FinishOutcome[]): Promise<boolean[]> {
    storageChecks.finish(outcomes);
    return this.write('finish', (statements, now) => finishJobs(statements, outcomes, now));
  }

  async renewLeases(params: RenewLeasesParams): Promise<boolean[]> {
    storageChecks.renewLeases(params);
    const lockedUntil = params.lockedUntil.getTime();
    return this.write('renewLeases', (statements) => renewLeases(statements, params.leases, lockedUntil));
  }

  async recordProgress(reports: ProgressReport[]): Promise<boolean[]> {
    storageChecks.recordProgress(reports);
    return this.write('recordProgress', (statements, now) => recordProgress(statements, reports, now));
  }

  async release(params: ReleaseParams): Promise<boolean[]> {
    storageChecks.release(params);
    const { released, readyQueues } = this.write('release', (statements, now) =>
      releaseJobs(statements, params.leases, now),
    );
    this.notify(readyQueues);
    return released;
  }

  // Sweeps

  async promoteDue(params: SweepParams): Promise<MovedJob[]> {
    storageChecks.promoteDue(params);
    const now = params.now.getTime();
    const moved = this.write('promoteDue', (statements) => promoteDueJobs(statements, now, params.limit));
    this.notify(moved.map((entry) => entry.job.queue));
    return moved;
  }

  async requeueExpiredLeases(params: RequeueExpiredLeasesParams): Promise<MovedJob[]> {
    storageChecks.requeueExpiredLeases(params);
    const sweep = { now: params.now.getTime(), limit: params.limit, failedExpiresAt: toMs(params.failedExpiresAt) };
    const moved = this.write('requeueExpiredLeases', (statements) => requeueExpiredLeases(statements, sweep));
    this.notify(moved.filter((entry) => entry.job.state === 'enqueued').map((entry) => entry.job.queue));
    return moved;
  }

  async purgeExpired(params: SweepParams): Promise<number> {
    storageChecks.purgeExpired(params);
    const now = params.now.getTime();
    return this.write('purgeExpired', (statements) => purgeExpiredJobs(statements, now, params.limit));
  }

  // Servers

  async registerServer(info: ServerInfo): Promise<void> {
    storageChecks.registerServer(info);
    this.write('registerServer', (statements) => servers.registerServer(statements, info));
  }

  async heartbeatServer(id: string): Promise<boolean> {
    storageChecks.heartbeatServer(id);
    return this.write('heartbeatServer', (statements, now) => servers.heartbeatServer(statements, id, now));
  }

  async deregisterServer(id: string): Promise<void> {
    storageChecks.deregisterServer(id);
    this.write('deregisterServer', (statements) => servers.deregisterServer(statements, id));
  }

  async listServers(): Promise<ServerInfo[]> {
    return this.read('listServers', servers.listServers);
  }

  async reclaimDeadServers(params: ReclaimDeadServersParams): Promise<ReclaimedServer[]> {
    const operation = 'reclaimDeadServers';
    storageChecks.reclaimDeadServers(params);
    const before = params.before.getTime();
    const failedExpiresAt = toMs(params.failedExpiresAt);
    // Not one outer transaction: each server is reclaimed in its own BEGIN IMMEDIATE (servers.ts).
    const reclaimed = this.read(operation, (statements, now) =>
      servers.reclaimDeadServers(statements, { before, now, failedExpiresAt }),
    );
    this.notify(
      reclaimed.flatMap((server) => server.jobs.filter((job) => job.state === 'enqueued')).map((job) => job.queue),
    );
    return reclaimed;
  }

  // Recurring

  async upsertRecurring(def: RecurringDefinition): Promise<RecurringDefinition> {
    storageChecks.upsertRecurring(def);
    return this.write('upsertRecurring', (statements) => recurring.upsertRecurring(statements, def));
  }

  async removeRecurring(id: string): Promise<boolean> {
    storageChecks.removeRecurring(id);
    return this.write('removeRecurring', (statements) => recurring.removeRecurring(statements, id));
  }

  async listRecurring(): Promise<RecurringDefinition[]> {
    return this.read('listRecurring', recurring.listRecurring);
  }

  async listDueRecurring(now: Date): Promise<RecurringDefinition[]> {
    storageChecks.listDueRecurring(now);
    return this.read('listDueRecurring', (statements) => recurring.listDueRecurring(statements, now.getTime()));
  }

  async fireRecurring(params: FireRecurringParams): Promise<boolean> {
    storageChecks.fireRecurring(params);
    const fired = this.write('fireRecurring', (statements, now) => recurring.fireRecurring(statements, params, now));
    if (fired) this.notify(fired.readyQueues);
    return fired !== null;
  }

  // Plumbing

  /** Runs `body` on the migrated connection, outside any transaction (single statements are atomic anyway). */
  private read<T>(operation: string, body: Body<T>): T {
    try {
      return body(this.connect(operation), this.clock.now().getTime());
    } catch (error) {
      throw toStorageError(operation, error, this.file);
    }
  }

  /** Runs `body` in BEGIN IMMEDIATE (a SAVEPOINT inside the app's open transaction). */
  private write<T>(operation: string, body: Body<T>): T {
    return this.read(operation, (statements, now) => statements.immediate(() => body(statements, now)));
  }

  /** The connection's statements, opening the file and applying pending migrations on first use. */
  private connect(operation: string): Statements {
    if (this.closed) throw closedError(operation, this.file);
    if (!this.statements) {
      const { source, tablePrefix } = this.options;
      const db = source.kind === 'file' ? openDatabaseFile(source.filename) : source.database;
      this.statements = new Statements(db, tablePrefix);
    }
    if (!this.migrated) {
      applyMigrations(this.statements, this.clock.now().getTime());
      this.migrated = true;
    }
    return this.statements;
  }

  /** Wakes each subscriber once per queue, in a microtask; a throwing listener never reaches the writer. */
  private notify(queues: Iterable<string>): void {
    for (const queue of new Set(queues)) {
      for (const listener of this.listeners) {
        queueMicrotask(() => {
          if (!this.listeners.has(listener)) return;
          try {
            listener(queue);
          } catch {
            // A listener's failure is its own (the server reports it); the job is stored either way.
          }
        });
      }
    }
  }
}
