// server-storage.ts (test only): the factory module server children load (StorageSpec.factory) to open the shared
// database file: `createStorage({ filename })`.
import { SqliteStorage, type SqliteStorageOptions } from '../src/index.js';

/** Called by each server child with the JSON options of its StorageSpec. */
export function createStorage(options: SqliteStorageOptions): SqliteStorage {
  return new SqliteStorage(options);
}
