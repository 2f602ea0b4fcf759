// systems/pg-boss.ts: pg-boss 10 on Postgres, isolated by a fresh schema per run. pg-boss 10 has no teamSize: each
// `work()` call is one polling worker that fetches `batchSize` jobs, runs its handler on the batch, completes the
// batch in one statement, then sleeps out the rest of `pollingIntervalSeconds` (0.5 s is the smallest it allows).
import PgBoss from 'pg-boss';
import { ErrorLog } from '../error-log.js';
import { notSetUp } from '../errors.js';
import { dropSchema, isolationName } from '../services.js';
import type { BenchPayload, BenchSystem, OnJob, SystemSpec } from '../system.js';

const QUEUE = 'bench';
/** Jobs each polling worker fetches per round trip (graphile-worker's documented local queue size, for parity). */
export const PG_BOSS_BATCH_SIZE = 500;
/** The smallest polling interval pg-boss 10 accepts (its MIN_POLLING_INTERVAL_MS is 500). */
export const PG_BOSS_POLLING_INTERVAL_SECONDS = 0.5;
/** pg-boss's default pool size (`max`). */
const DEFAULT_POOL_SIZE = 10;

/** The producer and the workers each get an instance (and pool), as separate processes would. */
class PgBossSystem implements BenchSystem {
  private readonly url: string;
  private readonly schema = isolationName('pgboss');
  private boss: PgBoss | null = null;
  private workerBoss: PgBoss | null = null;
  private readonly errors = new ErrorLog();

  constructor(url: string) {
    this.url = url;
  }

  async setup(): Promise<void> {
    this.boss = await this.startInstance();
    await this.boss.createQueue(QUEUE);
  }

  /** `poolSize` is pg-boss's `max` (default 10). */
  private async startInstance(poolSize = DEFAULT_POOL_SIZE): Promise<PgBoss> {
    // No cron in this benchmark, so the cron scheduler stays off; maintenance and monitoring keep their defaults.
    const boss = new PgBoss({ connectionString: this.url, schema: this.schema, schedule: false, max: poolSize });
    boss.on('error', this.errors.record);
    await boss.start();
    return boss;
  }

  async enqueueOne(payload: BenchPayload): Promise<void> {
    await this.requireBoss().send(QUEUE, payload);
  }

  async enqueueBulk(payloads: readonly BenchPayload[]): Promise<void> {
    await this.requireBoss().insert(payloads.map((data) => ({ name: QUEUE, data })));
  }

  /** `concurrency` polling workers, each running its fetched batch one job after another. */
  async startWorkers(concurrency: number, onJob: OnJob): Promise<void> {
    this.requireBoss();
    // One connection per polling worker plus two, as graphile-worker's docs advise for its pool: with fewer, workers
    // queue for connections, and pg-boss 10's stop() can then wait forever on a fetch stuck in the pool's queue.
    const boss = await this.startInstance(Math.max(DEFAULT_POOL_SIZE, concurrency + 2));
    this.workerBoss = boss;
    const options = { batchSize: PG_BOSS_BATCH_SIZE, pollingIntervalSeconds: PG_BOSS_POLLING_INTERVAL_SECONDS };
    for (let k = 0; k < concurrency; k++) {
      await boss.work<BenchPayload>(QUEUE, options, async (jobs) => {
        for (const job of jobs) onJob(job.data.i);
      });
    }
  }

  /** A graceful stop: batches being handled (and their completions) finish first. */
  async stopWorkers(): Promise<void> {
    const boss = this.workerBoss;
    this.workerBoss = null;
    await boss?.stop({ graceful: true, wait: true });
  }

  takeErrors(): string | null {
    return this.errors.take();
  }

  unfinished(): Promise<number> {
    return this.requireBoss().getQueueSize(QUEUE, { before: 'completed' });
  }

  async teardown(): Promise<void> {
    await this.stopWorkers().catch(() => undefined);
    const boss = this.boss;
    this.boss = null;
    if (boss) await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await dropSchema(this.url, this.schema).catch(() => undefined);
  }

  private requireBoss(): PgBoss {
    if (this.boss === null) throw notSetUp('pg-boss', 'boss');
    return this.boss;
  }
}

export function pgBossSpec(postgresUrl: string): SystemSpec {
  return {
    name: 'pg-boss',
    product: 'pg-boss',
    store: 'postgres',
    configuration:
      `concurrency N = N work() workers, each { batchSize: ${PG_BOSS_BATCH_SIZE}, ` +
      `pollingIntervalSeconds: ${PG_BOSS_POLLING_INTERVAL_SECONDS} } running its batch in order; schedule: false; ` +
      'workers on their own instance with max: max(10, N + 2) connections, producer on another',
    create: () => new PgBossSystem(postgresUrl),
  };
}
