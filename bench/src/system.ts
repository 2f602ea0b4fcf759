// system.ts: the one small interface every benchmarked system is driven through, so a scenario never knows which
// queue it is measuring. An adapter owns its isolation (schema, key prefix, queue name, temp file) and removes it.

/** The store a system keeps its jobs in; systems on the same store are compared with each other. */
export type Store = 'memory' | 'sqlite' | 'postgres' | 'redis';

/** Every benchmark job carries only its index, which the handler reports back (exactly-once check, latency). */
export interface BenchPayload {
  i: number;
}

/** Called by a system's handler with the index of the job it is running (a no-op job does nothing else). */
export type OnJob = (index: number) => void;

/**
 * How workers are tuned: `throughput` is each system's best documented setting for draining a backlog,
 * `latency` its recommended setting for picking up a new job on an idle worker, `defaults` only the concurrency (and
 * a silent logger) with every other option at the library's default (jobsmith only: see `SystemSpec.extraProfiles`).
 */
export type WorkerProfile = 'throughput' | 'latency' | 'defaults';

/** One system under test, fresh from its factory: `setup` creates its isolated store, `teardown` removes it. */
export interface BenchSystem {
  /** Creates the isolated store (schema, prefix, file) and any client; nothing else may be called before it. */
  setup(): Promise<void>;
  /** Enqueues one job with the system's single-job API. */
  enqueueOne(payload: BenchPayload): Promise<void>;
  /** Enqueues jobs with the system's bulk API in one call (the caller chunks). */
  enqueueBulk(payloads: readonly BenchPayload[]): Promise<void>;
  /** Starts workers running at most `concurrency` jobs at once; resolves once they are started. */
  startWorkers(concurrency: number, onJob: OnJob, profile: WorkerProfile): Promise<void>;
  /** Stops the workers started by `startWorkers` (no-op when none run). */
  stopWorkers(): Promise<void>;
  /** Errors the library reported by itself (error events) since the last call, as one line; null when none. */
  takeErrors(): string | null;
  /** Jobs not yet finished (waiting, scheduled or running), as the system itself reports them. */
  unfinished(): Promise<number>;
  /** Stops everything and deletes every schema, key or file `setup` created. Idempotent; never throws. */
  teardown(): Promise<void>;
}

/** A named kind of system; `create` builds a fresh, not yet set up, instance for each run. */
export interface SystemSpec {
  /** Unique name used by `--only`, e.g. `jobsmith-postgres`, `bullmq`. */
  readonly name: string;
  /** Product name shown in the table (`jobsmith`, `BullMQ`, ...). */
  readonly product: string;
  readonly store: Store;
  /** One line describing the configuration used, for the report and the docs. */
  readonly configuration: string;
  /** Profiles the process scenario drains with besides `throughput`, each as rows of their own (jobsmith: defaults). */
  readonly extraProfiles?: readonly WorkerProfile[];
  /** Set on the copy of a spec that drains with one of its extra profiles (named in progress lines). */
  readonly profile?: WorkerProfile;
  create(): BenchSystem;
}
