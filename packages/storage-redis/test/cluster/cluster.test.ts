// cluster.test.ts: what only a Redis Cluster exposes, on a real local 3-master cluster: each installation's keys
// stay on the master serving its slot; scripts are loaded on each master separately (NOSCRIPT, then EVAL); a slot
// moved to another master (MOVED) keeps its jobs and leases, and while it moves every script is refused rather than
// run on half-moved keys; pub/sub wake-ups reach a Cluster subscriber on any node, also after its connection is
// killed; and an app-owned Cluster that reaches no node fails calls instead of queueing them forever. Pub/sub waits
// are awaited events with a bound, never sleeps.
import { ManualClock, StorageError } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import { Cluster } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisStorage } from '../../src/storage.js';
import { Ear } from '../ear.js';
import { useClusterHarness } from './harness.js';

const harness = useClusterHarness();
/** Tries at placing a subscriber on another node than the publisher: ioredis picks its node at random. */
const PLACEMENT_TRIES = 30;

let clock: ManualClock;
/** Every storage a test made, destroyed after it in reverse (peers before the storage they share). */
let made: RedisStorage[];

beforeEach(() => {
  clock = new ManualClock();
  made = [];
});

afterEach(async () => {
  for (const storage of made.reverse()) await harness.destroy(storage);
});

async function create(): Promise<RedisStorage> {
  const storage = await harness.create(clock);
  made.push(storage);
  return storage;
}

async function connectPeer(storage: RedisStorage): Promise<RedisStorage> {
  const peer = await harness.connectPeer(storage, clock);
  made.push(peer);
  return peer;
}

/** The ports of the nodes holding at least one key under `prefix`. */
async function nodesHolding(prefix: string): Promise<number[]> {
  const byNode = await harness.keysByNode(prefix);
  return byNode.filter(({ keys }) => keys.length > 0).map(({ port }) => port);
}

/** Enqueues `count` jobs over two queues and claims `claim` of them; returns the leases. */
async function enqueueAndClaim(storage: RedisStorage, count: number, claim: number) {
  const jobs = Array.from({ length: count }, (_, index) => makeNewJob({ queue: `q${index % 2}` }, clock.now()));
  await storage.enqueue({ jobs });
  const claimed = await storage.fetchAndLock({ serverId: 's', queues: [], limit: claim, leaseMs: 60_000 });
  return claimed.map((job) => ({ id: job.id, leaseId: job.leaseId! }));
}

/** Where the pub/sub connection of the storage on `prefix` is: its node and CLIENT id. */
async function findSubscriber(prefix: string): Promise<{ port: number; clientId: string }> {
  for (const { admin, port } of harness.cluster.nodes) {
    const clients = ((await admin.client('LIST')) as string).split('\n');
    const line = clients.find((entry) =>
      entry.includes(`name=ioredis-cluster(subscriber):jobsmith:${prefix}:subscriber `),
    );
    const clientId = /\bid=(\d+)/.exec(line ?? '')?.[1];
    if (clientId) return { port, clientId };
  }
  throw new Error(`no node lists the subscriber of ${prefix} in CLIENT LIST`);
}

describe('keys', () => {
  it('keeps every key of an installation on the master serving its slot, one installation per master', async () => {
    const storages = [await create(), await create(), await create()];
    const owners: number[] = [];
    for (const storage of storages) {
      const [lease] = await enqueueAndClaim(storage, 10, 3);
      await storage.finish({
        outcomes: [{ ...lease!, to: 'succeeded', expiresAt: new Date(clock.now().getTime() + 1_000) }],
      });
      owners.push(await harness.masterOf(storage.prefix));
      expect(await nodesHolding(storage.prefix)).toEqual([owners.at(-1)]);
    }
    expect(new Set(owners).size).toBe(3);
  });
});

describe('scripts', () => {
  it('are loaded again on every master after SCRIPT FLUSH, each on first use there', async () => {
    const storages = [await create(), await create(), await create()];
    for (const storage of storages) await enqueueAndClaim(storage, 2, 1);
    await Promise.all(harness.cluster.nodes.map(({ admin }) => admin.script('FLUSH')));
    for (const storage of storages) {
      const [lease] = await enqueueAndClaim(storage, 1, 1);
      expect(await storage.finish({ outcomes: [{ ...lease!, to: 'succeeded' }] })).toEqual([true]);
      expect((await storage.counts()).byState).toMatchObject({ enqueued: 1, processing: 1, succeeded: 1 });
    }
  });
});

describe('a slot moved to another master', () => {
  it('keeps its jobs and leases: commands follow MOVED and the new master is taught the scripts', async () => {
    const storage = await create();
    const peer = await connectPeer(storage);
    const leases = await enqueueAndClaim(storage, 20, 5);
    const from = await harness.masterOf(storage.prefix);
    const to = harness.cluster.nodes.find((node) => node.port !== from)!;
    await to.admin.script('FLUSH');

    await harness.cluster.moveSlot(await harness.slotOf(storage.prefix), to.port);

    expect(await nodesHolding(storage.prefix)).toEqual([to.port]);
    expect(await storage.finish({ outcomes: leases.map((lease) => ({ ...lease, to: 'succeeded' as const })) })).toEqual(
      leases.map(() => true),
    );
    const rest = await peer.fetchAndLock({ serverId: 'peer', queues: [], limit: 100, leaseMs: 60_000 });
    expect(rest).toHaveLength(15);
    expect((await storage.counts()).byState).toMatchObject({ enqueued: 0, processing: 15, succeeded: 5 });
  });
});

describe('a slot being moved', () => {
  it('refuses every script (TRYAGAIN), so none runs on half-moved keys, and works again once it has moved', async () => {
    // ioredis retries TRYAGAIN (and the redirections between the two masters); a short budget surfaces the refusal.
    const tryAgainBriefly = { retryDelayOnTryAgain: 5, maxRedirections: 3 };
    const from = harness.cluster.nodes[0]!.port;
    const storage = await harness.connect(clock, await harness.prefixOn(from), tryAgainBriefly);
    made.push(storage);
    const leases = await enqueueAndClaim(storage, 20, 5);
    const succeeded = leases.map((lease) => ({ ...lease, to: 'succeeded' as const }));
    const before = await storage.counts();
    const to = harness.cluster.nodes[1]!.port;
    const move = await harness.cluster.beginSlotMove(await harness.slotOf(storage.prefix), to);
    try {
      expect(await move.migrateKeys(10)).toBe(10);
      const claim = storage.fetchAndLock({ serverId: 's', queues: [], limit: 5, leaseMs: 1_000 });
      await expect(claim).rejects.toMatchObject({ name: 'StorageError', operation: 'fetchAndLock' });
      await expect(storage.finish({ outcomes: succeeded })).rejects.toMatchObject({
        name: 'StorageError',
        operation: 'finish',
      });
      const enqueue = storage.enqueue({ jobs: [makeNewJob({}, clock.now())] });
      await expect(enqueue).rejects.toMatchObject({ name: 'StorageError', operation: 'enqueue' });
    } finally {
      await move.finish();
    }

    expect(await storage.counts()).toEqual(before);
    expect(await storage.finish({ outcomes: succeeded })).toEqual(leases.map(() => true));
    expect(await storage.fetchAndLock({ serverId: 's', queues: [], limit: 100, leaseMs: 1_000 })).toHaveLength(15);
  });
});

describe('subscribe', () => {
  /**
   * A producer and a subscribed peer over one prefix. The peer's own enqueue waits for its SUBSCRIBE to be answered,
   * so hearing it proves the subscription live.
   */
  async function subscribedPair(): Promise<{ producer: RedisStorage; ear: Ear }> {
    const producer = await create();
    const consumer = await connectPeer(producer);
    const ear = new Ear();
    consumer.subscribe(ear.listener);
    await consumer.enqueue({ jobs: [makeNewJob({ queue: 'warm-up' }, clock.now())] });
    await ear.heard('warm-up');
    return { producer, ear };
  }

  it('wakes a listener whose Cluster subscriber sits on another node than the master that publishes', async () => {
    for (let attempt = 1; ; attempt++) {
      const { producer, ear } = await subscribedPair();
      const { port } = await findSubscriber(producer.prefix);
      if (port !== (await harness.masterOf(producer.prefix))) {
        await producer.enqueue({ jobs: [makeNewJob({ queue: 'emails' }, clock.now())] });
        await ear.heard('emails');
        return;
      }
      expect(attempt, 'ioredis placed the subscriber on another node').toBeLessThan(PLACEMENT_TRIES);
    }
  });

  it('hears again after its subscriber connection is killed (ioredis subscribes again on a node it picks)', async () => {
    const { producer, ear } = await subscribedPair();
    const { port, clientId } = await findSubscriber(producer.prefix);
    const node = harness.cluster.nodes.find((candidate) => candidate.port === port)!;
    await node.admin.client('KILL', 'ID', clientId);
    await ear.heardAfterOutage('after-kill', () =>
      producer.enqueue({ jobs: [makeNewJob({ queue: 'after-kill' }, clock.now())] }),
    );
  });
});

describe('an app-owned Cluster', () => {
  it('that is lazy connects on first use, wake-ups included, and stays open after close', async () => {
    const client = new Cluster(harness.startupNodes(), { lazyConnect: true });
    const storage = new RedisStorage({ client, prefix: await harness.prefixOn(harness.cluster.nodes[1]!.port), clock });
    try {
      const ear = new Ear();
      storage.subscribe(ear.listener);
      await storage.enqueue({ jobs: [makeNewJob({ queue: 'lazy' }, clock.now())] });
      await ear.heard('lazy');
      await storage.close();
      expect(client.status).toBe('ready');
    } finally {
      await harness.dropPrefix(storage.prefix);
      await client.quit();
    }
  });

  it.each([
    ['connecting', false],
    ['lazy', true],
  ])(
    'that reaches no node (%s) rejects every call with a StorageError instead of queueing it',
    async (_, lazyConnect) => {
      // Port 1: nothing listens there. ioredis retries such a Cluster forever, holding every command meanwhile.
      const client = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect });
      client.on('error', () => {});
      const storage = new RedisStorage({ client, clock });
      try {
        await expect(storage.migrate()).rejects.toMatchObject({
          name: 'StorageError',
          operation: 'migrate',
          message: expect.stringContaining('cannot reach Redis at Redis Cluster'),
        });
        await expect(storage.get('some-id')).rejects.toBeInstanceOf(StorageError);
      } finally {
        await storage.close();
        client.disconnect();
      }
    },
  );
});
