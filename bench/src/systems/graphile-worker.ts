// systems/graphile-worker.ts: graphile-worker 0.17 on Postgres, isolated by a fresh schema per run. Throughput runs use
// the configuration of its performance page (local queue of 500, completion batching at 0 ms); latency runs use its
// defaults (LISTEN/NOTIFY, one job per fetch, no completion batching). Completed jobs are deleted, its only mode.
import { Logger, makeWorkerUtils, type Runner, run, type WorkerUtils } from 'graphile-worker';
import { ErrorLog } from '../error-log.js';
import { notSetUp } from '../errors.js';
import { dropSchema, isolationName, quoteIdent } from '../services.js';
import type { BenchPayload, BenchSystem, OnJob, SystemSpec, WorkerProfile } from '../system.js';

const TASK = 'noop';
/** Local queue size from https://worker.graphile.org/docs/performance ("localQueue: { size: 500 }"). */
export const GRAPHILE_LOCAL_QUEUE_SIZE = 500;

const silentLogger = new Logger(() => () => undefined);

class GraphileWorkerSystem implements BenchSystem {
  private readonly url: string;
  private readonly schema = isolationName('gw');
  private utils: WorkerUtils | null = null;
  private runner: Runner | null = null;
  private readonly errors = new ErrorLog();

  constructor(url: string) {
    this.url = url;
  }

  async setup(): Promise<void> {
    this.utils = await makeWorkerUtils({ connectionString: this.url, schema: this.schema, logger: silentLogger });
    await this.utils.migrate();
  }

  async enqueueOne(payload: BenchPayload): Promise<void> {
    await this.requireUtils().addJob(TASK, payload);
  }

  async enqueueBulk(payloads: readonly BenchPayload[]): Promise<void> {
    await this.requireUtils().addJobs(payloads.map((payload) => ({ identifier: TASK, payload })));
  }

  async startWorkers(concurrency: number, onJob: OnJob, profile: WorkerProfile): Promise<void> {
    // "10 or concurrentJobs + 2, whichever is larger" is the pool size its docs recommend.
    const maxPoolSize = Math.max(10, concurrency + 2);
    const batching =
      profile === 'throughput'
        ? { localQueue: { size: GRAPHILE_LOCAL_QUEUE_SIZE }, completeJobBatchDelay: 0, failJobBatchDelay: 0 }
        : {};
    this.runner = await run({
      connectionString: this.url,
      schema: this.schema,
      concurrency,
      maxPoolSize,
      noHandleSignals: true,
      logger: silentLogger,
      parsedCronItems: [],
      taskList: {
        [TASK]: async (payload) => {
          onJob((payload as BenchPayload).i);
        },
      },
      preset: { worker: batching },
    });
    const { events } = this.runner;
    events.on('job:error', ({ error }) => this.errors.record(error));
    events.on('worker:getJob:error', ({ error }) => this.errors.record(error));
    events.on('worker:fatalError', ({ error }) => this.errors.record(error));
    events.on('pool:listen:error', ({ error }) => this.errors.record(error));
  }

  async stopWorkers(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    await runner?.stop();
  }

  takeErrors(): string | null {
    return this.errors.take();
  }

  /** Rows left in the jobs table: graphile-worker deletes a job when it completes. */
  async unfinished(): Promise<number> {
    const table = `${quoteIdent(this.schema)}._private_jobs`;
    return this.requireUtils().withPgClient(async (client) => {
      const { rows } = await client.query<{ n: string }>(`select count(*) as n from ${table}`);
      return Number(rows[0]?.n ?? 0);
    });
  }

  async teardown(): Promise<void> {
    await this.stopWorkers().catch(() => undefined);
    const utils = this.utils;
    this.utils = null;
    try {
      await utils?.release();
    } catch {
      // Teardown never throws; the schema is dropped below either way.
    }
    await dropSchema(this.url, this.schema).catch(() => undefined);
  }

  private requireUtils(): WorkerUtils {
    if (this.utils === null) throw notSetUp('graphile-worker', 'utils');
    return this.utils;
  }
}

export function graphileWorkerSpec(postgresUrl: string): SystemSpec {
  return {
    name: 'graphile-worker',
    product: 'graphile-worker',
    store: 'postgres',
    configuration:
      `run({ concurrency: N, maxPoolSize: max(10, N + 2) }); throughput: localQueue.size ${GRAPHILE_LOCAL_QUEUE_SIZE}, ` +
      'completeJobBatchDelay 0, failJobBatchDelay 0; latency: defaults (LISTEN/NOTIFY); prepared statements on',
    create: () => new GraphileWorkerSystem(postgresUrl),
  };
}
