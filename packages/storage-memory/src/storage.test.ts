// storage.test.ts: MemoryStorage against the shared conformance suite, plus what only this backend promises:
// in-process push in a microtask, fresh copies on every read, rejection once closed, and indexed claims at scale.
import {
  ConfigError,
  type Job,
  type JobState,
  ManualClock,
  StorageError,
  systemClock,
  ValidationError,
} from '@jobsmith/core';
import type { ServerInfo } from '@jobsmith/core/storage';
import { makeNewJob, runStorageConformance } from '@jobsmith/core/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from './index.js';

runStorageConformance({
  name: 'memory',
  create: async (clock) => new MemoryStorage({ clock }),
  connectPeer: async (storage) => storage,
  destroy: async (storage) => storage.close(),
});

describe('MemoryStorage', () => {
  let clock: ManualClock;
  let storage: MemoryStorage;

  beforeEach(() => {
    clock = new ManualClock();
    storage = new MemoryStorage({ clock });
  });

  /** Enqueues jobs built from `overrides` and returns their ids. */
  async function enqueue(...overrides: Parameters<typeof makeNewJob>[0][]): Promise<string[]> {
    const jobs = overrides.map((fields) => makeNewJob(fields, clock.now()));
    const results = await storage.enqueue({ jobs });
    return results.map((result) => result.id);
  }

  async function claimAll(queues: string[] = []): Promise<Job[]> {
    return storage.fetchAndLock({ serverId: 's#1', queues, limit: 1_000_000, leaseMs: 1_000 });
  }

  /** Collects the queues the listeners hear about, after the pending microtasks ran. */
  function listen(): { heard: string[]; settle: () => Promise<void> } {
    const heard: string[] = [];
    storage.subscribe((queue) => heard.push(queue));
    return { heard, settle: () => new Promise((resolve) => setImmediate(resolve)) };
  }

  describe('constructor', () => {
    it('declares in-process push only', () => {
      expect(storage.capabilities).toEqual({
        push: true,
        crossProcessPush: false,
        multiProcess: false,
        transactionalEnqueue: false,
        storeClock: false,
      });
    });

    it('reads the system clock unless given one', () => {
      expect(new MemoryStorage().clock).toBe(systemClock);
      expect(storage.clock).toBe(clock);
    });

    it('rejects an unknown option, naming it', () => {
      const options = { clock, filename: 'x.db' } as unknown as ConstructorParameters<typeof MemoryStorage>[0];
      expect(() => new MemoryStorage(options)).toThrow(ConfigError);
      expect(() => new MemoryStorage(options)).toThrow(/MemoryStorageOptions\.filename/);
    });
  });

  describe('subscribe', () => {
    it('calls listeners in a microtask, once per queue that got enqueued jobs', async () => {
      const { heard, settle } = listen();
      const pending = enqueue({ queue: 'mail' }, { queue: 'mail' }, { queue: 'video' });
      expect(heard).toEqual([]); // never called from inside enqueue
      await pending;
      await settle();
      expect(heard).toEqual(['mail', 'video']);
    });

    it('stays silent for scheduled jobs until promoteDue makes them enqueued', async () => {
      const { heard, settle } = listen();
      await enqueue({ queue: 'later', state: 'scheduled', runAt: new Date(clock.now().getTime() + 1_000) });
      await settle();
      expect(heard).toEqual([]);
      clock.advance(1_000);
      expect(await storage.promoteDue({ now: clock.now(), limit: 10 })).toHaveLength(1);
      await settle();
      expect(heard).toEqual(['later']);
    });

    it('wakes on release, lapsed leases, manual retry and dead servers', async () => {
      await enqueue({ queue: 'a' }, { queue: 'b' }, { queue: 'c', maxAttempts: 1 });
      const [a, b, c] = await claimAll();
      const { heard, settle } = listen();

      await storage.release({ leases: [{ id: a!.id, leaseId: a!.leaseId! }] });
      await settle();
      expect(heard).toEqual(['a']);

      clock.advance(1_000); // b and c lapse; c had no attempt left, so it fails and wakes nobody
      const moved = await storage.requeueExpiredLeases({ now: clock.now(), limit: 10, failedExpiresAt: null });
      expect(moved.map((entry) => `${entry.job.queue}:${entry.job.state}`)).toEqual(['b:enqueued', 'c:failed']);
      await settle();
      expect(heard).toEqual(['a', 'b']);

      await storage.retryFailed(c!.id);
      await settle();
      expect(heard).toEqual(['a', 'b', 'c']);

      await storage.registerServer(serverInfo('dead#1', clock.now()));
      await storage.fetchAndLock({ serverId: 'dead#1', queues: ['b'], limit: 1, leaseMs: 60_000 });
      clock.advance(1);
      const [reclaimed] = await storage.reclaimDeadServers({ before: clock.now(), failedExpiresAt: null });
      expect(reclaimed?.jobs.map((job) => job.id)).toEqual([b!.id]);
      await settle();
      expect(heard).toEqual(['a', 'b', 'c', 'b']);
    });

    it('keeps enqueue working when a listener throws, and still calls the others', async () => {
      storage.subscribe(() => {
        throw new Error('listener bug');
      });
      const { heard, settle } = listen();
      await expect(enqueue({ queue: 'q' })).resolves.toHaveLength(1);
      await settle();
      expect(heard).toEqual(['q']);
    });

    it('stops calling a listener once unsubscribed, even for a wake-up already pending', async () => {
      const heard: string[] = [];
      const unsubscribe = storage.subscribe((queue) => heard.push(queue));
      const pending = enqueue({ queue: 'q' });
      unsubscribe();
      await pending;
      await new Promise((resolve) => setImmediate(resolve));
      expect(heard).toEqual([]);
    });
  });

  describe('returned jobs', () => {
    it('are fresh objects: changing one never changes storage', async () => {
      const [id] = await enqueue({ payloadValue: { list: [1, 2] }, metadata: { tenant: 't1' } });
      const job = (await storage.get(id!))!;
      (job.payload as { list: number[] }).list.push(3);
      job.metadata['tenant'] = 'changed';
      job.runAt.setTime(0);
      job.state = 'failed';
      const again = (await storage.get(id!))!;
      expect(again.payload).toEqual({ list: [1, 2] });
      expect(again.metadata).toEqual({ tenant: 't1' });
      expect(again.runAt).toEqual(clock.now());
      expect(again.state).toBe('enqueued');
      expect(again).not.toBe(job);
    });

    it('keep the payload text the core gave, byte for byte', async () => {
      const text = '{"b":1,  "a":[{}, [], "\\u00e9\u{1F600}"]}';
      const [id] = await enqueue({ payload: text });
      const [claimed] = await claimAll();
      expect(claimed?.payload).toEqual(JSON.parse(text));
      expect(claimed?.id).toBe(id);
    });
  });

  describe('close', () => {
    it('makes every later call reject with StorageError naming the operation', async () => {
      await storage.close();
      await storage.close();
      await expect(storage.get('x')).rejects.toThrow(StorageError);
      await expect(storage.fetchAndLock({ serverId: 's', queues: [], limit: 1, leaseMs: 1 })).rejects.toThrow(
        /fetchAndLock: storage failed: MemoryStorage is closed/,
      );
      await expect(storage.migrate()).rejects.toThrow(StorageError);
    });
  });

  describe('enqueue', () => {
    it('refuses an app transaction, which it cannot join', async () => {
      const jobs = [makeNewJob({}, clock.now())];
      await expect(storage.enqueue({ jobs, tx: {} })).rejects.toThrow(ValidationError);
      expect((await storage.counts()).byState.enqueued).toBe(0);
    });

    it('writes nothing when one job of the batch is invalid', async () => {
      const jobs = [makeNewJob({}, clock.now()), makeNewJob({ payload: '{not json' }, clock.now())];
      await expect(storage.enqueue({ jobs })).rejects.toThrow(/enqueue: jobs\[1\]\.payload must be valid JSON text/);
      expect((await storage.counts()).byState.enqueued).toBe(0);
    });
  });

  describe('indexes at scale', () => {
    it('claims many jobs over many queues in exact claim order', async () => {
      const overrides = Array.from({ length: 5_000 }, (_, i) => ({
        queue: `q${i % 13}`,
        priority: (i * 7) % 5,
        runAt: new Date(clock.now().getTime() - ((i * 31) % 97)),
      }));
      const ids = await enqueue(...overrides);
      const expected = ids
        .map((id, i) => ({ id, ...overrides[i]! }))
        .sort((a, b) => b.priority - a.priority || a.runAt.getTime() - b.runAt.getTime() || (a.id < b.id ? -1 : 1))
        .map((job) => job.id);
      const claimed: string[] = [];
      for (let batch = await claimAll(); batch.length > 0; batch = await claimAll()) {
        claimed.push(...batch.map((job) => job.id));
      }
      expect(claimed).toEqual(expected);
    });

    it('keeps counts exact through every kind of move', async () => {
      await enqueue({ queue: 'a' }, { queue: 'a' }, { queue: 'b' });
      const [one, two] = await claimAll(['a']);
      await storage.finish({ outcomes: [{ id: one!.id, leaseId: one!.leaseId!, to: 'succeeded', purge: true }] });
      await storage.cancel({ id: two!.id, expiresAt: clock.now() });
      expect(await storage.purgeExpired({ now: clock.now(), limit: 10 })).toBe(1);
      const counts = await storage.counts();
      const zero = { enqueued: 0, scheduled: 0, processing: 0, succeeded: 0, failed: 0, awaiting_retry: 0, deleted: 0 };
      expect(counts).toEqual({
        byState: { ...zero, enqueued: 1 } satisfies Record<JobState, number>,
        byQueue: { b: { ...zero, enqueued: 1 } },
      });
    });
  });
});

function serverInfo(id: string, at: Date): ServerInfo {
  return { id, name: 'test', hostname: 'h', pid: 1, queues: [], workerCount: 1, startedAt: at, lastHeartbeatAt: at };
}
