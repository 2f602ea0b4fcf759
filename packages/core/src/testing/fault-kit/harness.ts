// harness.ts: what a backend hands the fault suite: fresh stores, how its server children reach the store (through
// the suite's TCP proxy, where the store is a network server), and the faults only it can cause (restarting the
// store's process, holding its write lock). A scenario runs where the harness offers what it needs; never by name.
import type { Storage } from '../../storage.js';
import type { StorageSpec } from '../process-kit/protocol.js';
import type { StoreAddress } from './tcp-proxy.js';

/** One test's store: the parent's own storage over it, and how children open it. */
export interface FaultTestStore<S extends Storage = Storage> {
  /** The test process's storage over the store; it never goes through the proxy. */
  storage: S;
  /**
   * How a server child opens the store. With `address` (network stores only) the child connects there instead of
   * to the store itself: the suite passes its proxy's address. The options are JSON and may carry the factory's
   * `clockSkewMs` (added by the suite for skewed-clock children where the storage has `storeClock`).
   */
  childStorage(address?: StoreAddress): StorageSpec;
  /** Where the store listens; required where the harness has `network`. */
  address?: StoreAddress;
}

/** A store the children reach over TCP, so a proxy can stand between them. */
export interface FaultNetwork {
  /**
   * The longest one store call of a child waits before it fails, in ms, when the children's spec sets such a bound
   * (e.g. a shortened `commandTimeoutMs` / `queryTimeoutMs`); absent where the children have none. Stalls last
   * longer than this, so the children see calls time out and must retry them.
   */
  callTimeoutMs?: number;
}

/** A store embedded in each process (a file), where an outage is another connection holding the write lock. */
export interface FaultWriteLock<S extends Storage = Storage> {
  /**
   * Takes the store's write lock from a connection of its own (e.g. SQLite `BEGIN IMMEDIATE`) and resolves once it
   * holds it, with the function that lets it go.
   */
  hold(store: FaultTestStore<S>): Promise<() => Promise<void>>;
  /** How long a child's write waits for the lock before it fails, in ms (e.g. SQLite's busy_timeout). */
  waitMs: number;
}

export interface FaultHarness<S extends Storage = Storage> {
  /** Names the backend in test titles, e.g. 'postgres'. */
  name: string;
  /** A fresh, empty, migrated store with its own isolated data (schema / key prefix / file). */
  create(): Promise<FaultTestStore<S>>;
  /** Closes `store.storage` and drops the data `create` made; every child is gone by then. */
  destroy(store: FaultTestStore<S>): Promise<void>;
  /** Present where the store is a network server: the proxy scenarios (drops, stalls, stop while stalled) run. */
  network?: FaultNetwork;
  /** Present where the store can be held by a second connection: the lock scenarios run. */
  writeLock?: FaultWriteLock<S>;
  /**
   * Shuts the store's process down the way an operator would (data saved) and starts it again at the same
   * address; resolves once it accepts connections. Present where the store is a process of the harness's own: the
   * restart scenario runs.
   */
  restartStore?(): Promise<void>;
}
