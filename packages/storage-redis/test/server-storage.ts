// server-storage.ts (test only): the factory module server children load (StorageSpec.factory) to open the test's
// key prefix: `createStorage({ url, prefix })`, each child with its own connections.
import { RedisStorage, type RedisStorageOptions } from '../src/index.js';

/** Called by each server child with the JSON options of its StorageSpec. */
export function createStorage(options: RedisStorageOptions): RedisStorage {
  return new RedisStorage(options);
}
