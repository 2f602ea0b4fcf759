// server-storage.ts: the factory module of docs/writing-a-backend.md. Each server child of the integration suite
// imports it by its path (StorageSpec.factory) and opens the test's store with createStorage(options). SQLite stands
// in for your backend here: its database file is a store several processes share.
import { SqliteStorage, type SqliteStorageOptions } from '@jobsmith/storage-sqlite';

/** Called in each child with the StorageSpec's options, as JSON carried them across the process boundary. */
export function createStorage(options: SqliteStorageOptions): SqliteStorage {
  return new SqliteStorage(options);
}
