import { MemoryStorage } from '@jobsmith/storage-memory';
import { describe, expect, it } from 'vitest';
import { JobClient } from './client.js';
import { ManualClock } from './clock.js';
import { ValidationError } from './errors.js';
import type { Storage } from './storage.js';
import { StoreClock } from './store-clock.js';

/** A MemoryStorage posing as a store whose clock runs `aheadMs` ahead of the host's, synced on migrate(). */
function storeAhead(aheadMs: number) {
  const host = new ManualClock(Date.UTC(2030, 0, 1));
  const clock = new StoreClock(host, async () => new Date(host.now().getTime() + aheadMs));
  const memory = new MemoryStorage({ clock });
  let migrations = 0;
  const storage: Storage = Object.assign(Object.create(memory) as MemoryStorage, {
    capabilities: { ...memory.capabilities, storeClock: true },
    async migrate() {
      migrations++;
      await clock.sync();
    },
  });
  return { host, storage, migrations: () => migrations };
}

describe('JobClient on a store-time clock', () => {
  it('measures the store clock before its first enqueue, so an undelayed job is due at once', async () => {
    const { host, storage, migrations } = storeAhead(60_000);
    const client = new JobClient(storage);
    const id = await client.enqueue('work', {});
    expect(await storage.get(id)).toMatchObject({
      state: 'enqueued',
      createdAt: new Date(host.now().getTime() + 60_000),
    });
    const [later] = await client.enqueueMany([{ method: 'work', payload: {}, options: { delayMs: 1000 } }]);
    expect((await storage.get(later ?? ''))?.runAt).toEqual(new Date(host.now().getTime() + 61_000));
    expect(migrations()).toBe(1);
  });

  it('checks the input before it opens the storage', async () => {
    const { storage, migrations } = storeAhead(60_000);
    const client = new JobClient(storage);
    await expect(client.enqueue('work', { n: 1n })).rejects.toBeInstanceOf(ValidationError);
    expect(migrations()).toBe(0);
  });
});
