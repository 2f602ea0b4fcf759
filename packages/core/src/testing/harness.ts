// harness.ts: what a backend hands the conformance suite. The suite owns the tests; the harness only makes fresh,
// isolated storages (own schema / key prefix / file) and peers that share their data.
import type { ManualClock } from '../clock.js';
import type { Storage } from '../storage.js';

export interface StorageHarness<S extends Storage = Storage> {
  /** Names the backend in test titles, e.g. 'postgres'. */
  name: string;
  /** A fresh, empty, migrated storage with its own isolated data, reading time from `clock`. */
  create(clock: ManualClock): Promise<S>;
  /**
   * Another storage instance over the same data as `storage` (its own connection, as a second process would have),
   * on the same clock. Backends that cannot share data across instances return `storage` itself.
   */
  connectPeer(storage: S, clock: ManualClock): Promise<S>;
  /** Closes `storage` (and its peers' shared data if this is the original) and drops what `create` made. */
  destroy(storage: S): Promise<void>;
}
