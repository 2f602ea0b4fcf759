// harness.ts: what a backend hands the server integration suite: a fresh store the test process can read and write
// (on the system clock: real processes share no clock), and the spec by which server children open the same data.
import type { Storage } from '../../storage.js';
import type { StorageSpec } from '../process-kit/protocol.js';

/** One test's store: the parent's own storage over it, and how a child process opens it. */
export interface ServerTestStore<S extends Storage = Storage> {
  storage: S;
  childStorage: StorageSpec;
}

export interface ServerIntegrationHarness<S extends Storage = Storage> {
  /** Names the backend in test titles, e.g. 'postgres'. */
  name: string;
  /** A fresh, empty, migrated store with its own isolated data (schema / key prefix / file). */
  create(): Promise<ServerTestStore<S>>;
  /** Closes `store.storage` and drops the data `create` made; every child is gone by then. */
  destroy(store: ServerTestStore<S>): Promise<void>;
}
