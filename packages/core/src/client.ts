// client.ts: the producer's and admin's API. Validates every input, builds NewJobs (enqueue-options.ts) and hands
// them to storage; it never runs jobs and needs no server.
import { buildNewJob, type EnqueueOptions } from './enqueue-options.js';
import { ValidationError } from './errors.js';
import { JOB_STATES, type Job, type JobState } from './job.js';
import type { JobHandle } from './registry.js';
import type { JobCounts, Storage } from './storage.js';
import { checkDuration, checkInteger, checkJobId, checkKnownKeys, checkName, checkQueue } from './validation.js';

export interface JobClientOptions {
  /**
   * How long a cancelled job is kept before cleanup purges it, in ms, at most 31557600000000 (1,000 years).
   * @defaultValue 604800000 (7 days)
   */
  deletedTtlMs?: number;
}

/** One item of `enqueueMany`. */
export interface EnqueueItem<P = unknown> {
  method: string | JobHandle<P, unknown>;
  payload: P;
  options?: EnqueueOptions;
}

/** Filters of `list`. */
export interface ListFilter {
  state?: JobState;
  queue?: string;
  method?: string;
  /** @defaultValue 100 (at most 1000) */
  limit?: number;
  /** @defaultValue 0 */
  offset?: number;
}

export const DEFAULT_DELETED_TTL_MS = 604_800_000;
const MAX_LIST_LIMIT = 1000;
const LIST_KEYS: ReadonlySet<string> = new Set(['state', 'queue', 'method', 'limit', 'offset']);

/** Per-call options of `enqueue`: the job's options plus the caller's transaction, where the backend has one. */
export type ClientEnqueueOptions<Tx = unknown> = EnqueueOptions & {
  /** Enqueue inside this app-owned transaction (only where `storage.capabilities.transactionalEnqueue`). */
  tx?: Tx;
};

export class JobClient<Tx = unknown> {
  readonly storage: Storage<Tx>;
  private readonly deletedTtlMs: number;
  private isClockReady = false;

  constructor(storage: Storage<Tx>, options: JobClientOptions = {}) {
    this.storage = storage;
    this.deletedTtlMs =
      options.deletedTtlMs === undefined
        ? DEFAULT_DELETED_TTL_MS
        : checkDuration('JobClient', 'options.deletedTtlMs', options.deletedTtlMs);
  }

  /** Enqueues one job and returns its id (the holder's id when `uniqueKey` or `id` is already taken). */
  async enqueue<P>(
    method: string | JobHandle<P, unknown>,
    payload: P,
    options?: ClientEnqueueOptions<Tx>,
  ): Promise<string> {
    const { tx, ...jobOptions } = options ?? {};
    const build = () => buildNewJob('enqueue', methodName(method), payload, jobOptions, this.storage.clock.now());
    let job = build();
    if (this.needsClockReady()) {
      await this.readyClock();
      job = build();
    }
    const [result] = await this.storage.enqueue(
      tx === undefined ? { jobs: [job] } : { jobs: [job], tx: this.checkTx(tx) },
    );
    return result!.id;
  }

  /** Enqueues many jobs in one storage call, all or nothing; ids in input order. */
  async enqueueMany(items: readonly EnqueueItem[], options: { tx?: Tx } = {}): Promise<string[]> {
    if (!Array.isArray(items)) throw new ValidationError('enqueueMany', 'items', 'must be an array', items);
    if (items.length === 0) return [];
    const build = () => {
      const now = this.storage.clock.now();
      return items.map((item, i) => {
        if (item === null || typeof item !== 'object') {
          throw new ValidationError('enqueueMany', `items[${i}]`, 'must be { method, payload, options? }', item);
        }
        return buildNewJob('enqueueMany', methodName(item.method), item.payload, item.options, now, `items[${i}].`);
      });
    };
    let jobs = build();
    if (this.needsClockReady()) {
      await this.readyClock();
      jobs = build();
    }
    const { tx } = options;
    const results = await this.storage.enqueue(tx === undefined ? { jobs } : { jobs, tx: this.checkTx(tx) });
    return results.map((r) => r.id);
  }

  /**
   * Before the first enqueue on a store-time clock (capabilities.storeClock), the storage is opened so the clock has
   * measured its offset: a job's runAt and createdAt are then store time even on a host whose clock is off. Checked
   * synchronously, so an enqueue that needs no wait never yields before it reaches storage (a SQLite `tx` must not).
   */
  private needsClockReady(): boolean {
    return !this.isClockReady && this.storage.capabilities.storeClock;
  }

  /** Opens the storage; the input was checked before, so bad input never waits on it. */
  private async readyClock(): Promise<void> {
    await this.storage.migrate();
    this.isClockReady = true;
  }

  private checkTx(tx: Tx): Tx {
    if (!this.storage.capabilities.transactionalEnqueue) {
      throw new ValidationError('enqueue', 'options.tx', 'is not supported by this storage (no transactionalEnqueue)');
    }
    return tx;
  }

  get(id: string): Promise<Job | null> {
    return this.storage.get(checkJobId('get', 'id', id));
  }

  list(filter: ListFilter = {}): Promise<Job[]> {
    if (filter === null || typeof filter !== 'object') throw new ValidationError('list', 'filter', 'must be an object');
    checkKnownKeys('list', 'filter', filter, LIST_KEYS);
    if (filter.state !== undefined && !JOB_STATES.includes(filter.state)) {
      throw new ValidationError('list', 'filter.state', `must be one of ${JOB_STATES.join(', ')}`, filter.state);
    }
    return this.storage.list({
      state: filter.state,
      queue: filter.queue === undefined ? undefined : checkQueue('list', 'filter.queue', filter.queue),
      method: filter.method === undefined ? undefined : checkName('list', 'filter.method', filter.method),
      limit: filter.limit === undefined ? 100 : checkInteger('list', 'filter.limit', filter.limit, 1, MAX_LIST_LIMIT),
      offset:
        filter.offset === undefined
          ? 0
          : checkInteger('list', 'filter.offset', filter.offset, 0, Number.MAX_SAFE_INTEGER),
    });
  }

  counts(): Promise<JobCounts> {
    return this.storage.counts();
  }

  /**
   * Cancels an unfinished job: it moves to `deleted` (kept `deletedTtlMs`). A running job's lease is revoked, so its
   * handler's signal fires and its result is discarded.
   */
  cancel(id: string): Promise<Job> {
    checkJobId('cancel', 'id', id);
    const expiresAt = new Date(this.storage.clock.now().getTime() + this.deletedTtlMs);
    return this.storage.cancel({ id, expiresAt });
  }

  /** Enqueues a failed job again with a fresh set of attempts. */
  retry(id: string): Promise<Job> {
    return this.storage.retryFailed(checkJobId('retry', 'id', id));
  }

  /** Removes a job whatever its state; false if it did not exist. */
  delete(id: string): Promise<boolean> {
    return this.storage.delete(checkJobId('delete', 'id', id));
  }
}

function methodName(method: unknown): unknown {
  if (method !== null && typeof method === 'object' && 'method' in method) return (method as JobHandle).method;
  return method;
}
