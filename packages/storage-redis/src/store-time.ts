// store-time.ts: Redis's clock, which every process of a fleet reads through core's StoreClockSync so leases,
// heartbeats and cron firings compare instants from one clock.
import { StorageError } from '@jobsmith/core';
import type { Cluster, Redis } from 'ioredis';

/** Redis's clock, from TIME ([seconds, microseconds]). */
export async function readRedisTime(client: Redis | Cluster): Promise<Date> {
  const [seconds, microseconds] = await client.time();
  return new Date(Number(seconds) * 1_000 + Math.floor(Number(microseconds) / 1_000));
}

/** The first clock measure failed: the storage does not open on a clock it cannot trust. */
export function clockSyncFailed(cause: unknown): StorageError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const detail = "cannot read Redis TIME to sync the clock (pass syncClock: false to use this host's clock)";
  return new StorageError('migrate', { cause, detail: `${detail}: ${reason}` });
}
