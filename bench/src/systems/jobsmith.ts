// systems/jobsmith.ts: jobsmith on each of its four storages, isolated per run (a fresh MemoryStorage, a temp SQLite
// file, a fresh Postgres schema, a fresh Redis key prefix). Workers are one BackgroundJobServer with push wake-up;
// producers use a JobClient (on a storage of their own where the store allows it, see Isolation).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackgroundJobServer,
  JobClient,
  type ServerConfig,
  type Storage,
  silentLogger,
  WorkerRegistry,
} from '@jobsmith/core';
import { MemoryStorage } from '@jobsmith/storage-memory';
import { PostgresStorage } from '@jobsmith/storage-postgres';
import { RedisStorage } from '@jobsmith/storage-redis';
import { SqliteStorage } from '@jobsmith/storage-sqlite';
import { ErrorLog } from '../error-log.js';
import { notSetUp } from '../errors.js';
import { deleteKeys, dropSchema, isolationName, type ServiceUrls } from '../services.js';
import type { BenchPayload, BenchSystem, OnJob, Store, SystemSpec, WorkerProfile } from '../system.js';

const METHOD = 'noop';
/**
 * The latency profile's least fetchBatchSize (jobsmith's default until it became 100), raised to the concurrency when
 * that is larger, so one claim fills every slot.
 */
const MIN_FETCH_BATCH_SIZE = 10;
/**
 * Throughput profile: claims of up to this many jobs, and succeeded jobs deleted in the write that finishes them, as
 * graphile-worker does. 500 is the size graphile-worker's performance page uses for its local queue. Redis claims 200:
 * a 500-job reply is 9,000 values that Node parses and keeps until the workers reach them, and at 500 the garbage
 * collector took a third of Node's time (alternating runs, 50,000 jobs: about 39,000 jobs/s at 500 against 50,000 at
 * 200, with 150 and 4 x 100 as fast as 200 and 300 between).
 */
const THROUGHPUT_BATCH: Readonly<Record<Store, number>> = { memory: 500, sqlite: 500, postgres: 500, redis: 200 };
/**
 * Batches the local queue holds. On Postgres and Redis three, so that while one batch feeds the workers two claims
 * can be out side by side, keeping the server busy; memory and SQLite claim in this thread, so a second claim overlaps
 * nothing, and two batches (one claim ahead) measured faster there.
 */
const LOCAL_QUEUE_BATCHES: Readonly<Record<Store, number>> = { memory: 2, sqlite: 2, postgres: 3, redis: 3 };
const throughputLocalQueueSize = (store: Store): number => LOCAL_QUEUE_BATCHES[store] * THROUGHPUT_BATCH[store];

/** jobsmith's best documented configuration for each worker profile (docs/benchmarks.md, Configuration). */
function serverConfig(store: Store, concurrency: number, profile: WorkerProfile): ServerConfig {
  const base = { workerCount: concurrency, logger: silentLogger };
  if (profile === 'defaults') return base;
  if (profile === 'latency') return { ...base, fetchBatchSize: Math.max(MIN_FETCH_BATCH_SIZE, concurrency) };
  const localQueueSize = throughputLocalQueueSize(store);
  return { ...base, fetchBatchSize: THROUGHPUT_BATCH[store], localQueueSize, succeededTtlMs: 0 };
}

/**
 * One run's isolated data and how to open storages on it. Postgres and Redis give producer and workers a storage each
 * (own pool or connection), as separate processes would have; memory cannot, and SQLite shares one object because
 * its push wake-up reaches only subscribers of the same object and better-sqlite3 has no pool to contend for.
 */
interface Isolation {
  readonly shared: boolean;
  open(): Storage;
  /** Deletes the isolated data once every storage on it is closed. */
  remove(): Promise<void>;
}

function isolate(store: Store, urls: ServiceUrls): Isolation {
  switch (store) {
    case 'memory': {
      const storage = new MemoryStorage();
      return { shared: true, open: () => storage, remove: async () => undefined };
    }
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'jsbench-sqlite-'));
      const storage = new SqliteStorage({ filename: join(dir, 'jobs.db') });
      return { shared: true, open: () => storage, remove: async () => rmSync(dir, { recursive: true, force: true }) };
    }
    case 'postgres': {
      const schema = isolationName('js');
      return {
        shared: false,
        open: () => new PostgresStorage({ connectionString: urls.postgres, schema }),
        remove: () => dropSchema(urls.postgres, schema),
      };
    }
    case 'redis': {
      const prefix = isolationName('js');
      return {
        shared: false,
        open: () => new RedisStorage({ url: urls.redis, prefix }),
        // Keys are `{prefix}:...` (hash-tagged), so the scan pattern starts with the brace.
        remove: async () => void (await deleteKeys(urls.redis, `{${prefix}}`)),
      };
    }
  }
}

class JobsmithSystem implements BenchSystem {
  private readonly store: Store;
  private readonly urls: ServiceUrls;
  private isolation: Isolation | null = null;
  private producer: Storage | null = null;
  private client: JobClient | null = null;
  private workerStorage: Storage | null = null;
  private server: BackgroundJobServer | null = null;
  private readonly errors = new ErrorLog();

  constructor(store: Store, urls: ServiceUrls) {
    this.store = store;
    this.urls = urls;
  }

  async setup(): Promise<void> {
    this.isolation = isolate(this.store, this.urls);
    this.producer = this.isolation.open();
    await this.producer.migrate();
    this.client = new JobClient(this.producer);
  }

  async enqueueOne(payload: BenchPayload): Promise<void> {
    await this.requireClient().enqueue(METHOD, payload);
  }

  async enqueueBulk(payloads: readonly BenchPayload[]): Promise<void> {
    await this.requireClient().enqueueMany(payloads.map((payload) => ({ method: METHOD, payload })));
  }

  /** Push wake-up is on in every profile; throughput adds the local queue and deletes succeeded jobs. */
  async startWorkers(concurrency: number, onJob: OnJob, profile: WorkerProfile): Promise<void> {
    if (this.isolation === null || this.producer === null) throw notSetUp(this.name, 'startWorkers');
    const registry = new WorkerRegistry().register(METHOD, async (payload: BenchPayload) => {
      onJob(payload.i);
    });
    const config = serverConfig(this.store, concurrency, profile);
    const storage = this.isolation.shared ? this.producer : this.isolation.open();
    this.workerStorage = storage;
    this.server = new BackgroundJobServer(config, storage, registry);
    this.server.on('error', (event) => this.errors.record(event.error));
    this.server.on('jobFailed', (event) => this.errors.record(event.job.lastError?.message ?? 'a job failed'));
    this.server.on('jobRetrying', (event) => this.errors.record(event.job.lastError?.message ?? 'a job is retrying'));
    await this.server.start();
  }

  async stopWorkers(): Promise<void> {
    const server = this.server;
    const storage = this.workerStorage;
    this.server = null;
    this.workerStorage = null;
    await server?.stop();
    if (storage !== null && storage !== this.producer) await storage.close();
  }

  takeErrors(): string | null {
    return this.errors.take();
  }

  async unfinished(): Promise<number> {
    const { byState } = await this.requireClient().counts();
    return byState.enqueued + byState.processing + byState.scheduled + byState.awaiting_retry;
  }

  async teardown(): Promise<void> {
    await this.stopWorkers().catch(() => undefined);
    const { isolation, producer } = this;
    this.isolation = null;
    this.producer = null;
    this.client = null;
    await producer?.close().catch(() => undefined);
    await isolation?.remove().catch(() => undefined);
  }

  private get name(): string {
    return `jobsmith-${this.store}`;
  }

  private requireClient(): JobClient {
    if (this.client === null) throw notSetUp(this.name, 'client');
    return this.client;
  }
}

/** One spec per storage: `jobsmith-memory`, `jobsmith-sqlite`, `jobsmith-postgres`, `jobsmith-redis`. */
export function jobsmithSpecs(urls: ServiceUrls): SystemSpec[] {
  const stores: Store[] = ['memory', 'sqlite', 'postgres', 'redis'];
  return stores.map((store) => ({
    name: `jobsmith-${store}`,
    product: 'jobsmith',
    store,
    extraProfiles: ['defaults'],
    configuration:
      `throughput: BackgroundJobServer({ workerCount: N, fetchBatchSize: ${THROUGHPUT_BATCH[store]}, localQueueSize: ${throughputLocalQueueSize(store)}, ` +
      'succeededTtlMs: 0, logger: silentLogger }); latency: { workerCount: N, fetchBatchSize: max(10, N) }; ' +
      'defaults (process rows of their own): { workerCount: N, logger: silentLogger }; ' +
      'other options default (push wake-up, heartbeat on); ' +
      (store === 'postgres' || store === 'redis' ? 'producer on its own storage' : 'producer shares the storage'),
    create: () => new JobsmithSystem(store, urls),
  }));
}
