// server-storage.ts (test only): the factory module server children load (StorageSpec.factory) to open the test's
// schema: `createStorage({ connectionString, schema, poolSize })`, each child with its own pool.
import { PostgresStorage, type PostgresStorageOptions } from '../src/index.js';

/** Called by each server child with the JSON options of its StorageSpec. */
export function createStorage(options: PostgresStorageOptions): PostgresStorage {
  return new PostgresStorage(options);
}
