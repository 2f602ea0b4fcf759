// layout-version.ts: the migrate step that stamps the key layout version of an installation, upgrades an older
// layout in place, and refuses one written by a newer version of this code. It never touches jobs.
import { StorageError } from '@jobsmith/core';
import type { Cluster, Redis } from 'ioredis';
import type { KeyLayout } from './keys.js';

/**
 * Version of the key layout this code writes; migrate upgrades an older one and refuses data written by a newer one.
 * 2: enqueued and processing jobs have no state:<state> ZSET (list reads them from the ready ZSETs and processing).
 */
export const LAYOUT_VERSION = 2;

/** Stamps LAYOUT_VERSION on a new installation under `prefix`, upgrades layout 1, refuses a newer layout. */
export async function stampLayoutVersion(client: Redis | Cluster, keys: KeyLayout, prefix: string): Promise<void> {
  await client.hsetnx(keys.meta, 'version', String(LAYOUT_VERSION));
  const stored = Number(await client.hget(keys.meta, 'version'));
  if (stored > LAYOUT_VERSION) {
    const detail = `prefix ${prefix} holds key layout ${stored}; this version reads only up to ${LAYOUT_VERSION}`;
    throw new StorageError('migrate', { detail });
  }
  if (stored === 1) {
    // Layout 1's enqueued and processing sets would go stale now that nothing writes them.
    await client
      .multi()
      .del(`${keys.statePrefix}enqueued`, `${keys.statePrefix}processing`)
      .hset(keys.meta, 'version', String(LAYOUT_VERSION))
      .exec();
  }
}
