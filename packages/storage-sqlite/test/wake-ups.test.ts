// wake-ups.test.ts: in-process push. Subscribers of the storage object hear each queue that got an enqueued job,
// in a microtask after the write; a throwing listener hurts neither the writer nor the other listeners.
import { ManualClock } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../src/index.js';

/** Lets every queued microtask run. */
const drainMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('subscribe', () => {
  const clock = new ManualClock();
  let storage: SqliteStorage;

  beforeEach(async () => {
    storage = new SqliteStorage({ filename: ':memory:', clock });
    await storage.migrate();
  });

  afterEach(async () => {
    await storage.close();
  });

  it('calls listeners after the write returns, once per queue of the batch', async () => {
    const heard: string[] = [];
    storage.subscribe((queue) => heard.push(queue));
    const jobs = ['a', 'a', 'b'].map((queue) => makeNewJob({ queue }, clock.now()));
    storage.enqueueSync({ jobs });
    expect(heard).toEqual([]);
    await drainMicrotasks();
    expect(heard.sort()).toEqual(['a', 'b']);
  });

  it('stays silent for scheduled jobs and duplicates', async () => {
    const heard: string[] = [];
    const first = makeNewJob({ queue: 'later', state: 'scheduled' }, clock.now());
    storage.enqueueSync({ jobs: [first] });
    storage.subscribe((queue) => heard.push(queue));
    storage.enqueueSync({ jobs: [first, makeNewJob({ queue: 'later', state: 'scheduled' }, clock.now())] });
    await drainMicrotasks();
    expect(heard).toEqual([]);
  });

  it('isolates a throwing listener from the writer and the other listeners', async () => {
    const heard: string[] = [];
    storage.subscribe(() => {
      throw new Error('listener bug');
    });
    storage.subscribe((queue) => heard.push(queue));
    const job = makeNewJob({}, clock.now());
    await expect(storage.enqueue({ jobs: [job] })).resolves.toEqual([{ id: job.id, duplicate: false }]);
    await drainMicrotasks();
    expect(heard).toEqual(['default']);
  });

  it('wakes listeners when a sweep or a release makes a job available again', async () => {
    const heard: string[] = [];
    storage.subscribe((queue) => heard.push(queue));
    storage.enqueueSync({ jobs: [makeNewJob({ queue: 'retry', state: 'scheduled' }, clock.now())] });
    await storage.promoteDue({ now: clock.now(), limit: 10 });
    await drainMicrotasks();
    expect(heard).toEqual(['retry']);

    const [claimed] = await storage.fetchAndLock({ serverId: 's', queues: ['retry'], limit: 1, leaseMs: 1_000 });
    await storage.release({ leases: [{ id: claimed!.id, leaseId: claimed!.leaseId! }] });
    await drainMicrotasks();
    expect(heard).toEqual(['retry', 'retry']);
  });

  it('wakes listeners when releaseLostClaims hands a lost claim back, and stays silent when none was lost', async () => {
    const heard: string[] = [];
    storage.enqueueSync({ jobs: [makeNewJob({ queue: 'lost' }, clock.now())] });
    const [claimed] = await storage.fetchAndLock({ serverId: 's', queues: ['lost'], limit: 1, leaseMs: 1_000 });
    storage.subscribe((queue) => heard.push(queue));
    await storage.releaseLostClaims({ serverId: 's', heldLeaseIds: [claimed!.leaseId!] });
    await drainMicrotasks();
    expect(heard).toEqual([]);

    await storage.releaseLostClaims({ serverId: 's', heldLeaseIds: [] });
    await drainMicrotasks();
    expect(heard).toEqual(['lost']);
  });
});
