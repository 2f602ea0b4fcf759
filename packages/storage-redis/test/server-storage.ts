// server-storage.ts (test only): the factory module server children load (StorageSpec.factory) to open the test's
// key prefix: `createStorage({ url, prefix })`, each child with its own connections. `clockSkewMs` gives the child a
// host clock that far off (SkewedClock) and syncs it to Redis's time, as a fleet with drifting hosts would run.
import { systemClock } from '@jobsmith/core';
import { SkewedClock } from '@jobsmith/core/storage';
import { RedisStorage, type RedisStorageOptions } from '../src/index.js';

/** The JSON options of a StorageSpec: RedisStorage's, plus the test-only `clockSkewMs`. */
export interface ServerStorageOptions extends RedisStorageOptions {
  /** Milliseconds this child's host clock is off from the real one (positive: ahead). */
  clockSkewMs?: number;
}

/** Called by each server child with the JSON options of its StorageSpec. */
export function createStorage(options: ServerStorageOptions): RedisStorage {
  const { clockSkewMs, ...redisOptions } = options;
  if (clockSkewMs === undefined) return new RedisStorage(redisOptions);
  return new RedisStorage({ ...redisOptions, clock: new SkewedClock(clockSkewMs, systemClock), syncClock: true });
}
