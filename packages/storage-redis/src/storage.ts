// storage.ts: RedisStorage, the Storage interface on ioredis. Methods stay thin: pick the script (one per
// transition, src/scripts), bind ARGV, map the reply through rows.ts, translate errors through errors.ts. Reads that
// need no atomicity (get, counts, server and recurring lists) are plain commands; listDueRecurring, which a poller
// acts on, is a script.
import { type Clock, type Job, type JobState, randomId, StorageError } from '@jobsmith/core';
import {
  type CancelParams,
  cancelPushMessage,
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
  StoreClockSync,
  type SweepParams,
  withInputChecks,
} from '@jobsmith/core/storage';
import { RedisConnection } from './connection.js';
import { toStorageError } from './errors.js';
import { evictionPolicyProblem, readEvictionPolicies, SAFE_EVICTION_POLICY } from './eviction-policy.js';
import { type KeyLayout, keyLayout, scriptKeys } from './keys.js';
import { stampLayoutVersion } from './layout-version.js';
import { runScript, type ScriptName } from './lua.js';
import { type EvictionPolicyMode, type RedisStorageOptions, resolveRedisOptions } from './options.js';
import {
  type Claim,
  claimedJob,
  type HashReply,
  JOB_FIELDS,
  type JobRow,
  msOrEmpty,
  newJobArgs,
  pushFinishArgs,
  recurringArgs,
  serverArgs,
  toCounts,
  toJob,
  toRecurring,
  toServer,
} from './rows.js';
import { jobOrError } from './script-codes.js';
import { clockSyncFailed, readRedisTime } from './store-time.js';

/** The lastError of a job that fails for want of attempts after its lease lapsed or its server died. */
const leaseExpiredError = (message: string): string => JSON.stringify({ name: 'LeaseExpiredError', message });
const LEASE_EXPIRED_ERROR = leaseExpiredError('lease expired before the job finished');

const ms = (date: Date): string => String(date.getTime());
const leaseArgs = (leases: readonly Lease[]): string[] => leases.flatMap((lease) => [lease.id, lease.leaseId]);
const asFlags = (reply: unknown): boolean[] => (reply as number[]).map((flag) => flag === 1);
/** fire-recurring.lua's reply codes: 0 lost the tick, 1 fired it, 2 consumed it without firing. */
const FIRE_RECURRING_REPLIES: readonly FireRecurringResult[] = [false, 'fired', 'skipped'];

/** jobsmith on Redis: every transition one Lua script, every key under `{prefix}` (one Cluster slot). */
export class RedisStorage implements Storage {
  readonly capabilities: StorageCapabilities;
  /** The given clock, or under `syncClock` that clock corrected to Redis's time (a StoreClock). */
  readonly clock: Clock;
  /** The namespace of this installation's keys. */
  readonly prefix: string;
  private readonly keys: KeyLayout;
  private readonly scriptKeys: string[];
  private readonly connection: RedisConnection;
  private readonly evictionPolicy: EvictionPolicyMode;
  private readonly onError: (error: Error) => void;
  private hasWarnedOfEviction = false;
  /** Keeps `clock` in step with Redis's TIME; null when `syncClock` is off. */
  private readonly clockSync: StoreClockSync | null;
  private migration: Promise<void> | null = null;
  /** Connected once and migrated: calls skip the readiness awaits (ioredis queues commands through a reconnect). */
  private isReady = false;
  private isClosed = false;

  /** Checks `options` (ConfigError naming the field); connects lazily, on first use. */
  constructor(options: RedisStorageOptions = {}) {
    const resolved = resolveRedisOptions(options);
    this.clockSync = resolved.syncClock
      ? new StoreClockSync(
          resolved.clock,
          () => readRedisTime(this.connection.client),
          (error) => this.report(error),
        )
      : null;
    this.clock = this.clockSync?.clock ?? resolved.clock;
    this.capabilities = Object.freeze({
      push: true,
      crossProcessPush: true,
      multiProcess: true,
      transactionalEnqueue: false,
      storeClock: this.clockSync !== null,
    });
    this.prefix = resolved.prefix;
    this.keys = keyLayout(resolved.prefix);
    this.scriptKeys = scriptKeys(this.keys);
    this.evictionPolicy = resolved.evictionPolicy;
    this.onError = resolved.onError;
    this.connection = new RedisConnection(resolved, `jobsmith:${resolved.prefix}`);
    // biome-ignore lint/correctness/noConstructorReturn: callers get the instance behind the seam's input checks.
    return withInputChecks(this);
  }

  // Lifecycle

  /**
   * Connects, checks that Redis will not evict keys (see the `evictionPolicy` option), stamps the key layout version
   * and, under `syncClock`, measures the clock's offset to Redis; idempotent, and run lazily by every other method.
   */
  async migrate(): Promise<void> {
    await this.connection.hold(() => this.ready('migrate'));
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.clockSync?.stop();
    await this.connection.close();
  }

  /**
   * Hears, through one pub/sub connection opened on first use, queues that got jobs and running jobs cancelled, by
   * any process on this prefix. Messages published while it is down are lost (pub/sub keeps none), so the server's
   * polling and lease renewal stay the safety net.
   */
  subscribe(onJobAvailable: JobAvailableListener, onJobCancelled?: JobCancelledListener): () => void {
    if (this.isClosed) return () => {};
    return this.connection.listen(this.keys.channel, onJobAvailable, onJobCancelled);
  }

  // Jobs

  async enqueue(params: EnqueueParams): Promise<EnqueueResult[]> {
    const { jobs } = params;
    if (jobs.length === 0) return [];
    const args = [String(jobs.length), ...jobs.flatMap(newJobArgs)];
    const reply = (await this.publishing('enqueue', 'enqueue', args)) as (string | number)[];
    return jobs.map((_, index) => ({ id: String(reply[2 * index]), duplicate: reply[2 * index + 1] === 1 }));
  }

  async get(id: string): Promise<Job | null> {
    const row = await this.command('get', (client) => client.hmget(this.keys.jobPrefix + id, ...JOB_FIELDS));
    return row[0] === null ? null : toJob(row);
  }

  async list(params: ListParams): Promise<Job[]> {
    const { state, queue, method, limit, offset } = params;
    const reply = await this.run('list', 'list', [
      state ?? '',
      queue ?? '',
      method ?? '',
      String(limit),
      String(offset),
    ]);
    return (reply as JobRow[]).map((row) => toJob(row));
  }

  async counts(): Promise<JobCounts> {
    return toCounts(await this.command('counts', (client) => client.hgetall(this.keys.counts)));
  }

  async cancel(params: CancelParams): Promise<Job> {
    const { id, expiresAt } = params;
    const args = [id, ms(this.clock.now()), msOrEmpty(expiresAt), cancelPushMessage(id)];
    const reply = await this.publishing('cancel', 'cancel', args);
    return jobOrError(reply, { operation: 'cancel', jobId: id, to: 'deleted' });
  }

  async retryFailed(id: string): Promise<Job> {
    const reply = await this.publishing('retryFailed', 'retry-failed', [id, ms(this.clock.now())]);
    return jobOrError(reply, { operation: 'retryFailed', jobId: id, to: 'enqueued' });
  }

  async delete(id: string): Promise<boolean> {
    return (await this.run('delete', 'delete', [id])) === 1;
  }

  // Claims and their fenced writes

  async fetchAndLock(params: FetchAndLockParams): Promise<Job[]> {
    const { serverId, queues, limit, leaseMs } = params;
    if (limit === 0) return [];
    const now = this.clock.now().getTime();
    // One fresh random base per call; the script numbers the claimed jobs' leaseIds from it, so every one is fresh.
    const claim: Claim = {
      serverId,
      leaseBase: `${randomId()}:`,
      now: String(now),
      lockedUntil: String(now + leaseMs),
    };
    const reply = await this.run('fetchAndLock', 'fetch-and-lock', [
      claim.now,
      claim.lockedUntil,
      serverId,
      String(limit),
      String(queues.length),
      ...queues,
      claim.leaseBase,
    ]);
    return (reply as JobRow[]).map((row, index) => claimedJob(row, claim, index + 1));
  }

  async finish({ outcomes, now }: FinishParams): Promise<boolean[]> {
    if (outcomes.length === 0) return [];
    // Every outcome deletes its job (a TTL of 0): the lean script, sent two slots per outcome rather than eight.
    if (outcomes.every((outcome) => outcome.purge === true)) {
      return asFlags(await this.run('finish', 'finish-purge', [String(outcomes.length), ...leaseArgs(outcomes)]));
    }
    const args = [ms(now ?? this.clock.now()), String(outcomes.length)];
    for (const outcome of outcomes) pushFinishArgs(args, outcome);
    return asFlags(await this.run('finish', 'finish', args));
  }

  async renewLeases(params: RenewLeasesParams): Promise<boolean[]> {
    const { leases, lockedUntil } = params;
    if (leases.length === 0) return [];
    const reply = await this.run('renewLeases', 'renew-leases', [
      ms(lockedUntil),
      String(leases.length),
      ...leaseArgs(leases),
    ]);
    return asFlags(reply);
  }

  async recordProgress({ reports }: RecordProgressParams): Promise<boolean[]> {
    if (reports.length === 0) return [];
    const args = reports.flatMap((report) => [report.id, report.leaseId, String(report.progress)]);
    const counted = [ms(this.clock.now()), String(reports.length), ...args];
    return asFlags(await this.run('recordProgress', 'record-progress', counted));
  }

  async release(params: ReleaseParams): Promise<boolean[]> {
    const { leases } = params;
    if (leases.length === 0) return [];
    const reply = await this.publishing('release', 'release', [
      ms(this.clock.now()),
      String(leases.length),
      ...leaseArgs(leases),
    ]);
    return asFlags(reply);
  }

  async releaseLostClaims(params: ReleaseLostClaimsParams): Promise<MovedJob[]> {
    const { serverId, heldLeaseIds } = params;
    const args = [ms(this.clock.now()), serverId, ...heldLeaseIds];
    const reply = await this.publishing('releaseLostClaims', 'release-lost-claims', args);
    return (reply as JobRow[]).map((row) => ({ from: 'processing', job: toJob(row) }));
  }

  // Sweeps: each reads by index only what is due

  async promoteDue(params: SweepParams): Promise<MovedJob[]> {
    const reply = await this.publishing('promoteDue', 'promote-due', [ms(params.now), String(params.limit)]);
    return (reply as JobRow[]).map((row) => ({ from: row[0] as JobState, job: toJob(row, 1) }));
  }

  async requeueExpiredLeases(params: RequeueExpiredLeasesParams): Promise<MovedJob[]> {
    const { now, limit, failedExpiresAt } = params;
    const reply = await this.publishing('requeueExpiredLeases', 'requeue-expired-leases', [
      ms(now),
      String(limit),
      msOrEmpty(failedExpiresAt),
      LEASE_EXPIRED_ERROR,
    ]);
    return (reply as JobRow[]).map((row) => ({ from: 'processing', job: toJob(row) }));
  }

  async purgeExpired(params: SweepParams): Promise<number> {
    return Number(await this.run('purgeExpired', 'purge-expired', [ms(params.now), String(params.limit)]));
  }

  // Servers

  async registerServer(info: ServerInfo): Promise<void> {
    await this.run('registerServer', 'register-server', [info.id, ms(info.lastHeartbeatAt), ...serverArgs(info)]);
  }

  async heartbeatServer(id: string): Promise<boolean> {
    return (await this.run('heartbeatServer', 'heartbeat-server', [id, ms(this.clock.now())])) === 1;
  }

  async deregisterServer(id: string): Promise<void> {
    await this.run('deregisterServer', 'deregister-server', [id]);
  }

  async listServers(): Promise<ServerInfo[]> {
    const ids = await this.command('listServers', (client) => client.zrange(this.keys.servers, 0, -1));
    const hashes = await this.readHashes(
      'listServers',
      ids.sort().map((id) => this.keys.serverPrefix + id),
    );
    return hashes.map(toServer);
  }

  /** Reclaims each server silent since `before` in its own script call: one atomic step per server. */
  async reclaimDeadServers(params: ReclaimDeadServersParams): Promise<ReclaimedServer[]> {
    const { before, failedExpiresAt } = params;
    const dead = await this.command('reclaimDeadServers', (client) =>
      client.zrangebyscore(this.keys.servers, '-inf', `(${before.getTime()}`),
    );
    const reclaimed: ReclaimedServer[] = [];
    for (const serverId of dead) {
      const error = leaseExpiredError(`server ${serverId} died`);
      const [code, ...jobs] = (await this.publishing('reclaimDeadServers', 'reclaim-dead-servers', [
        serverId,
        ms(before),
        ms(this.clock.now()),
        msOrEmpty(failedExpiresAt),
        error,
      ])) as [number, ...JobRow[]];
      if (code === 1) reclaimed.push({ serverId, jobs: jobs.map((row) => toJob(row)) });
    }
    return reclaimed;
  }

  // Recurring

  async upsertRecurring(def: RecurringDefinition): Promise<RecurringDefinition> {
    return toRecurring((await this.run('upsertRecurring', 'upsert-recurring', recurringArgs(def))) as HashReply);
  }

  async removeRecurring(id: string): Promise<boolean> {
    return (await this.run('removeRecurring', 'remove-recurring', [id])) === 1;
  }

  async listRecurring(): Promise<RecurringDefinition[]> {
    const ids = await this.command('listRecurring', (client) => client.zrange(this.keys.recurringDue, 0, -1));
    const hashes = await this.readHashes(
      'listRecurring',
      ids.sort().map((id) => this.keys.recurringPrefix + id),
    );
    return hashes.map(toRecurring);
  }

  /** One script: the due index and the definitions are read together, so none comes back already advanced. */
  async listDueRecurring(now: Date): Promise<RecurringDefinition[]> {
    const reply = await this.run('listDueRecurring', 'list-due-recurring', [ms(now)]);
    return (reply as HashReply[]).map(toRecurring);
  }

  async fireRecurring(params: FireRecurringParams): Promise<FireRecurringResult> {
    const { id, expectedRunAt, nextRunAt, job, skipWhileUnfinished } = params;
    const reply = await this.publishing('fireRecurring', 'fire-recurring', [
      id,
      ms(expectedRunAt),
      ms(nextRunAt),
      ms(this.clock.now()),
      skipWhileUnfinished ?? '',
      ...(job ? newJobArgs(job) : []),
    ]);
    const result = FIRE_RECURRING_REPLIES[reply as number];
    if (result === undefined) throw new StorageError('fireRecurring', { detail: `unexpected reply ${String(reply)}` });
    return result;
  }

  // Plumbing

  /** Connects (failing fast while the server has never been reached) and runs the migration once. */
  private async ready(operation: string): Promise<void> {
    if (this.isClosed) throw closedStorageError(operation, 'RedisStorage');
    await this.connection.connect(operation);
    this.migration ??= this.prepare().catch((error: unknown) => {
      this.migration = null;
      throw error;
    });
    await this.migration;
    this.isReady = true;
  }

  /** The once-only steps of readiness, in order. */
  private async prepare(): Promise<void> {
    await this.checkEvictionPolicy();
    await stampLayoutVersion(this.connection.client, this.keys, this.prefix);
    await this.clockSync?.start().catch((cause: unknown) => {
      throw clockSyncFailed(cause);
    });
  }

  /** Refuses an evicting maxmemory-policy, or reports it once under `evictionPolicy: 'warn'`. */
  private async checkEvictionPolicy(): Promise<void> {
    const policies = await readEvictionPolicies(this.connection.client);
    const evicting = policies.find((policy) => policy !== SAFE_EVICTION_POLICY);
    if (evicting === undefined) return;
    const problem = new StorageError('migrate', { detail: evictionPolicyProblem(evicting) });
    if (this.evictionPolicy === 'error') throw problem;
    if (this.hasWarnedOfEviction) return;
    this.hasWarnedOfEviction = true;
    this.report(problem);
  }

  /** Hands `error` to the `onError` option; a throwing handler must not break the call that reported. */
  private report(error: Error): void {
    try {
      this.onError(error);
    } catch {
      // Nothing left to tell: the handler was the one place to tell.
    }
  }

  /** Runs one script; every failure leaves as a JobsmithError naming `operation`. */
  private async run(operation: string, script: ScriptName, args: string[]): Promise<unknown> {
    return this.command(operation, (client) => runScript(client, script, this.scriptKeys, args));
  }

  /**
   * Runs a script that may PUBLISH wake-ups, after any SUBSCRIBE of this storage is answered: a listener added
   * before the call then hears it.
   */
  private async publishing(operation: string, script: ScriptName, args: string[]): Promise<unknown> {
    await this.connection.subscribed();
    return this.run(operation, script, args);
  }

  private async command<T>(operation: string, send: (client: RedisConnection['client']) => Promise<T>): Promise<T> {
    try {
      if (this.isClosed) throw closedStorageError(operation, 'RedisStorage');
      return await this.connection.hold(async () => {
        if (!this.isReady) await this.ready(operation);
        return send(this.connection.client);
      });
    } catch (error) {
      throw toStorageError(operation, error, this.connection.commandTimeoutMs);
    }
  }

  /** HGETALL of each key in one round trip, skipping hashes that vanished meanwhile. */
  private async readHashes(operation: string, keys: string[]): Promise<Record<string, string>[]> {
    if (keys.length === 0) return [];
    const replies = await this.command(operation, (client) => {
      const pipeline = client.pipeline();
      for (const key of keys) pipeline.hgetall(key);
      return pipeline.exec();
    });
    const hashes: Record<string, string>[] = [];
    for (const [error, hash] of replies ?? []) {
      if (error) throw toStorageError(operation, error, this.connection.commandTimeoutMs);
      if (hash && Object.keys(hash).length > 0) hashes.push(hash as Record<string, string>);
    }
    return hashes;
  }
}
