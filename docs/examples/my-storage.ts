// my-storage.ts: the skeleton of a backend from docs/writing-a-backend.md, with every Storage method in place and each
// body still to write. Copy it, rename it, and fill in one method at a time while the conformance suite runs.
import { type Clock, type Job, systemClock } from '@jobsmith/core';
import {
  type CancelParams,
  closedStorageError,
  type EnqueueParams,
  type EnqueueResult,
  type FetchAndLockParams,
  type FinishParams,
  type FireRecurringParams,
  type FireRecurringResult,
  type JobCounts,
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
  type SweepParams,
  toStorageError,
  withInputChecks,
} from '@jobsmith/core/storage';

// #region shape
/** Options for `new MyStorage(options)`. */
export interface MyStorageOptions {
  /**
   * Where time comes from; the server shares it (a ManualClock makes the conformance suite deterministic).
   * @defaultValue `systemClock`
   */
  clock?: Clock;
}

/** What this backend can do. Start with every flag false; turn one on once the suite's tests for it pass. */
const CAPABILITIES: StorageCapabilities = Object.freeze({
  push: false,
  crossProcessPush: false,
  multiProcess: false,
  transactionalEnqueue: false,
  storeClock: false,
});

export class MyStorage implements Storage {
  readonly capabilities = CAPABILITIES;
  readonly clock: Clock;
  private closed = false;

  constructor(options: MyStorageOptions = {}) {
    this.clock = options.clock ?? systemClock;
    // Open nothing here: connect and migrate lazily, on the first call.
    // biome-ignore lint/correctness/noConstructorReturn: callers get the instance behind the seam's input checks.
    return withInputChecks(this);
  }

  /** Creates or upgrades the schema; idempotent. Every other method runs it first too. */
  migrate(): Promise<void> {
    return this.run('migrate', () => undefined);
  }

  /** Every later call rejects with a StorageError naming the storage as closed. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
  }

  /** Without push there is nothing to call: the server polls. */
  subscribe(): () => void {
    return () => undefined;
  }

  get(id: string): Promise<Job | null> {
    return this.run('get', () => unwritten(id));
  }

  // Every other Storage method looks the same: its work inside this.run(operation, ...).

  /** One call: rejects once closed; a driver's failure leaves as a StorageError naming `operation`. */
  private async run<T>(operation: string, body: () => T | Promise<T>): Promise<T> {
    if (this.closed) throw closedStorageError(operation, 'MyStorage');
    try {
      return await body();
    } catch (cause) {
      throw toStorageError(operation, cause);
    }
  }
  // #endregion

  // Jobs

  enqueue(params: EnqueueParams): Promise<EnqueueResult[]> {
    return this.run('enqueue', () => unwritten(params));
  }

  list(params: ListParams): Promise<Job[]> {
    return this.run('list', () => unwritten(params));
  }

  counts(): Promise<JobCounts> {
    return this.run('counts', () => unwritten());
  }

  cancel(params: CancelParams): Promise<Job> {
    return this.run('cancel', () => unwritten(params));
  }

  retryFailed(id: string): Promise<Job> {
    return this.run('retryFailed', () => unwritten(id));
  }

  delete(id: string): Promise<boolean> {
    return this.run('delete', () => unwritten(id));
  }

  // Claims and their fenced writes

  fetchAndLock(params: FetchAndLockParams): Promise<Job[]> {
    return this.run('fetchAndLock', () => unwritten(params));
  }

  finish(params: FinishParams): Promise<boolean[]> {
    return this.run('finish', () => unwritten(params));
  }

  renewLeases(params: RenewLeasesParams): Promise<boolean[]> {
    return this.run('renewLeases', () => unwritten(params));
  }

  recordProgress(params: RecordProgressParams): Promise<boolean[]> {
    return this.run('recordProgress', () => unwritten(params));
  }

  release(params: ReleaseParams): Promise<boolean[]> {
    return this.run('release', () => unwritten(params));
  }

  releaseLostClaims(params: ReleaseLostClaimsParams): Promise<MovedJob[]> {
    return this.run('releaseLostClaims', () => unwritten(params));
  }

  // Sweeps

  promoteDue(params: SweepParams): Promise<MovedJob[]> {
    return this.run('promoteDue', () => unwritten(params));
  }

  requeueExpiredLeases(params: RequeueExpiredLeasesParams): Promise<MovedJob[]> {
    return this.run('requeueExpiredLeases', () => unwritten(params));
  }

  purgeExpired(params: SweepParams): Promise<number> {
    return this.run('purgeExpired', () => unwritten(params));
  }

  // Servers

  registerServer(info: ServerInfo): Promise<void> {
    return this.run('registerServer', () => unwritten(info));
  }

  heartbeatServer(id: string): Promise<boolean> {
    return this.run('heartbeatServer', () => unwritten(id));
  }

  deregisterServer(id: string): Promise<void> {
    return this.run('deregisterServer', () => unwritten(id));
  }

  listServers(): Promise<ServerInfo[]> {
    return this.run('listServers', () => unwritten());
  }

  reclaimDeadServers(params: ReclaimDeadServersParams): Promise<ReclaimedServer[]> {
    return this.run('reclaimDeadServers', () => unwritten(params));
  }

  // Recurring

  upsertRecurring(def: RecurringDefinition): Promise<RecurringDefinition> {
    return this.run('upsertRecurring', () => unwritten(def));
  }

  removeRecurring(id: string): Promise<boolean> {
    return this.run('removeRecurring', () => unwritten(id));
  }

  listRecurring(): Promise<RecurringDefinition[]> {
    return this.run('listRecurring', () => unwritten());
  }

  listDueRecurring(now: Date): Promise<RecurringDefinition[]> {
    return this.run('listDueRecurring', () => unwritten(now));
  }

  fireRecurring(params: FireRecurringParams): Promise<FireRecurringResult> {
    return this.run('fireRecurring', () => unwritten(params));
  }
}

/**
 * A method's body until it is written. `run` turns the throw into a StorageError ("get: storage failed: not written
 * yet"), which is how the conformance suite names each method still to do.
 */
function unwritten(..._input: unknown[]): never {
  throw new Error('not written yet');
}
