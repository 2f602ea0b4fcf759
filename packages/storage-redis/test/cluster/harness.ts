// harness.ts: the conformance harness on a local Redis Cluster (local-cluster.ts, started before and stopped after
// the file's tests). Each storage gets its own app-owned ioredis `Cluster` and a fresh prefix; prefixes are picked so
// successive storages land on successive masters, and cleanup SCANs every master.
import type { ManualClock } from '@jobsmith/core';
import type { StorageHarness } from '@jobsmith/core/testing';
import { Cluster, type ClusterOptions } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { allKeysPattern, keyLayout } from '../../src/keys.js';
import { RedisStorage } from '../../src/storage.js';
import { testPrefix } from '../harness.js';
import { type LocalCluster, startLocalCluster } from './local-cluster.js';

/** Cluster boot (3 servers + join) takes 1-2 s; this bounds a slow, shared machine (local-cluster.ts allows each step 30 s). */
const START_CLUSTER_TIMEOUT_MS = 90_000;

/** Storages over the cluster, and the admin helpers the cluster-only tests use. */
export class ClusterHarness implements StorageHarness<RedisStorage> {
  readonly name = 'redis-cluster';
  private running: LocalCluster | null = null;
  private readonly clients = new WeakMap<RedisStorage, Cluster>();
  private readonly peers = new WeakSet<RedisStorage>();
  private created = 0;

  /** The running cluster; only inside the tests (after beforeAll). */
  get cluster(): LocalCluster {
    if (!this.running) throw new Error('the local Redis Cluster is not running: call useClusterHarness() at top level');
    return this.running;
  }

  async start(): Promise<void> {
    this.running = await startLocalCluster(3);
  }

  async stop(): Promise<void> {
    await this.running?.stop();
    this.running = null;
  }

  /** The startup nodes of an ioredis Cluster client: every master. */
  startupNodes(): { host: string; port: number }[] {
    return this.cluster.nodes.map(({ host, port }) => ({ host, port }));
  }

  /** The one slot of every key under `prefix` (its hash tag). */
  async slotOf(prefix: string): Promise<number> {
    return this.cluster.nodes[0]!.admin.cluster('KEYSLOT', keyLayout(prefix).jobPrefix);
  }

  /** The port of the master serving `prefix`'s slot now. */
  async masterOf(prefix: string): Promise<number> {
    return this.cluster.masterOfSlot(await this.slotOf(prefix));
  }

  /** A fresh prefix whose slot the master on `port` serves. */
  async prefixOn(port: number): Promise<string> {
    for (;;) {
      const prefix = testPrefix();
      if ((await this.masterOf(prefix)) === port) return prefix;
    }
  }

  /** A migrated storage on `prefix` over its own Cluster client (closed with it by `destroy`). */
  async connect(clock: ManualClock | undefined, prefix: string, options: ClusterOptions = {}): Promise<RedisStorage> {
    const client = new Cluster(this.startupNodes(), options);
    const storage = new RedisStorage({ client, prefix, ...(clock ? { clock } : {}) });
    this.clients.set(storage, client);
    try {
      await storage.migrate();
    } catch (error) {
      await this.closeStorage(storage);
      throw error;
    }
    return storage;
  }

  async create(clock: ManualClock): Promise<RedisStorage> {
    const { nodes } = this.cluster;
    const master = nodes[this.created++ % nodes.length]!;
    return this.connect(clock, await this.prefixOn(master.port));
  }

  async connectPeer(storage: RedisStorage, clock: ManualClock): Promise<RedisStorage> {
    const peer = await this.connect(clock, storage.prefix);
    this.peers.add(peer);
    return peer;
  }

  async destroy(storage: RedisStorage): Promise<void> {
    await this.closeStorage(storage);
    if (!this.peers.has(storage)) await this.dropPrefix(storage.prefix);
  }

  /** Every key under `prefix`, per node, found by SCAN of every master (a key lives only on its slot's master). */
  async keysByNode(prefix: string): Promise<{ port: number; keys: string[] }[]> {
    const found: { port: number; keys: string[] }[] = [];
    for (const { admin, port } of this.cluster.nodes) {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await admin.scan(cursor, 'MATCH', allKeysPattern(prefix), 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      found.push({ port, keys });
    }
    return found;
  }

  /** Deletes every key under `prefix`, on whichever master holds them. */
  async dropPrefix(prefix: string): Promise<void> {
    for (const { port, keys } of await this.keysByNode(prefix)) {
      const node = this.cluster.nodes.find((candidate) => candidate.port === port)!;
      if (keys.length > 0) await node.admin.del(...keys);
    }
  }

  private async closeStorage(storage: RedisStorage): Promise<void> {
    await storage.close();
    const client = this.clients.get(storage);
    this.clients.delete(storage);
    if (client?.status === 'ready') await client.quit();
    else client?.disconnect();
  }
}

/** A harness whose cluster starts before this file's tests and is torn down after them. */
export function useClusterHarness(): ClusterHarness {
  const harness = new ClusterHarness();
  beforeAll(() => harness.start(), START_CLUSTER_TIMEOUT_MS);
  afterAll(() => harness.stop());
  return harness;
}
