// systems/bullmq.ts: BullMQ on Redis, isolated by a fresh key prefix per run. Workers use BullMQ's defaults (blocking
// fetch of one job at a time), with `concurrency` as the knob; throughput runs also remove each job as it completes
// (`removeOnComplete: { count: 0 }`), as jobsmith's throughput profile deletes succeeded jobs: neither keeps them.
import { Queue, Worker } from 'bullmq';
import { ErrorLog } from '../error-log.js';
import { notSetUp } from '../errors.js';
import { deleteKeys, isolationName } from '../services.js';
import type { BenchPayload, BenchSystem, OnJob, SystemSpec, WorkerProfile } from '../system.js';

const QUEUE = 'bench';
const JOB_NAME = 'noop';

class BullmqSystem implements BenchSystem {
  private readonly url: string;
  private readonly prefix = isolationName('bull');
  private queue: Queue<BenchPayload> | null = null;
  private worker: Worker<BenchPayload> | null = null;
  private readonly errors = new ErrorLog();

  constructor(url: string) {
    this.url = url;
  }

  async setup(): Promise<void> {
    this.queue = new Queue<BenchPayload>(QUEUE, { connection: { url: this.url }, prefix: this.prefix });
    this.queue.on('error', this.errors.record);
    await this.queue.waitUntilReady();
  }

  async enqueueOne(payload: BenchPayload): Promise<void> {
    await this.requireQueue().add(JOB_NAME, payload);
  }

  async enqueueBulk(payloads: readonly BenchPayload[]): Promise<void> {
    await this.requireQueue().addBulk(payloads.map((data) => ({ name: JOB_NAME, data })));
  }

  async startWorkers(concurrency: number, onJob: OnJob, profile: WorkerProfile): Promise<void> {
    const removal = profile === 'throughput' ? { removeOnComplete: { count: 0 } } : {};
    const worker = new Worker<BenchPayload>(
      QUEUE,
      async (job) => {
        onJob(job.data.i);
      },
      { connection: { url: this.url }, prefix: this.prefix, concurrency, ...removal },
    );
    worker.on('error', this.errors.record);
    worker.on('failed', (_job, error) => this.errors.record(error));
    this.worker = worker;
    await worker.waitUntilReady();
  }

  async stopWorkers(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.close();
  }

  takeErrors(): string | null {
    return this.errors.take();
  }

  async unfinished(): Promise<number> {
    return this.requireQueue().getJobCountByTypes('wait', 'active', 'delayed', 'prioritized');
  }

  async teardown(): Promise<void> {
    await this.stopWorkers().catch(() => undefined);
    const queue = this.queue;
    this.queue = null;
    if (queue) {
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close().catch(() => undefined);
    }
    await deleteKeys(this.url, this.prefix).catch(() => undefined);
  }

  private requireQueue(): Queue<BenchPayload> {
    if (this.queue === null) throw notSetUp('bullmq', 'queue');
    return this.queue;
  }
}

export function bullmqSpec(redisUrl: string): SystemSpec {
  return {
    name: 'bullmq',
    product: 'BullMQ',
    store: 'redis',
    configuration:
      'Worker({ concurrency }) with defaults: blocking fetch, one job per round trip; throughput: removeOnComplete { count: 0 } (completed jobs deleted); latency: completed jobs kept',
    create: () => new BullmqSystem(redisUrl),
  };
}
