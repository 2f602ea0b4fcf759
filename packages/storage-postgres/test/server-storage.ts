// server-storage.ts (test only): the factory module server children load (StorageSpec.factory) to open the test's
// schema: `createStorage({ connectionString, schema, poolSize })`, each child with its own pool. With `clockSkewMs`,
// the child stands for a host whose clock is that far off: its clock is a SkewedClock, corrected by syncClock.
import { systemClock } from '@jobsmith/core';
import { SkewedClock } from '@jobsmith/core/storage';
import { PostgresStorage, type PostgresStorageOptions } from '../src/index.js';

/** The JSON options of a StorageSpec: the storage's own, plus the skew of the child's host clock, in ms. */
export type ServerStorageOptions = PostgresStorageOptions & { clockSkewMs?: number };

/** Called by each server child with the JSON options of its StorageSpec. */
export function createStorage(options: ServerStorageOptions): PostgresStorage {
  const { clockSkewMs, ...storageOptions } = options;
  if (clockSkewMs === undefined) return new PostgresStorage(storageOptions);
  return new PostgresStorage({
    ...storageOptions,
    clock: new SkewedClock(clockSkewMs, systemClock),
    syncClock: true,
  });
}
