// context.ts: the fixture of every fault scenario: before each test a fresh store from the harness, a FaultProxy in
// front of it (network stores), and a ServerProcesses whose children go through that proxy; after it, every child
// still running is killed, the proxy closed and the store dropped. Read the accessors only inside tests and hooks.
import { JobClient } from '../../client.js';
import type { JsonValue } from '../../job.js';
import type { Storage } from '../../storage.js';
import { useEachTestFixture } from '../fixture.js';
import type { StorageSpec } from '../process-kit/protocol.js';
import { ServerProcesses } from '../process-kit/server-processes.js';
import type { FaultHarness, FaultTestStore } from './harness.js';
import { FaultProxy, type StoreAddress } from './tcp-proxy.js';

/** The current test's store, a client on it, its proxy and its server children. */
export interface FaultContext<S extends Storage = Storage> {
  readonly harness: FaultHarness<S>;
  readonly store: FaultTestStore<S>;
  readonly storage: S;
  readonly client: JobClient;
  /** Between the children and a network store; null for an embedded one. */
  readonly proxy: FaultProxy | null;
  /** Children started without their own spec go through `proxy` (network stores). */
  readonly processes: ServerProcesses;
  /** A child's spec through the proxy (or the file), with `extra` options for the factory (e.g. `clockSkewMs`). */
  childStorage(extra?: { [key: string]: JsonValue }): StorageSpec;
}

interface Fixture<S extends Storage> {
  store: FaultTestStore<S>;
  client: JobClient;
  proxy: FaultProxy | null;
  processes: ServerProcesses;
}

/** Registers the beforeEach / afterEach pair. */
export function useFaultContext<S extends Storage>(harness: FaultHarness<S>): FaultContext<S> {
  const current = useEachTestFixture(
    'fault context',
    async (): Promise<Fixture<S>> => {
      const store = await harness.create();
      const proxy = harness.network ? await FaultProxy.start({ target: storeAddress(harness, store) }) : null;
      const processes = new ServerProcesses({ storage: store.childStorage(proxy?.address) });
      return { store, client: new JobClient(store.storage), proxy, processes };
    },
    async (done) => {
      try {
        await done.processes.killAll();
        await done.proxy?.close();
      } finally {
        await harness.destroy(done.store);
      }
    },
  );

  return {
    harness,
    get store() {
      return current().store;
    },
    get storage() {
      return current().store.storage;
    },
    get client() {
      return current().client;
    },
    get proxy() {
      return current().proxy;
    },
    get processes() {
      return current().processes;
    },
    childStorage(extra = {}) {
      const { store, proxy } = current();
      const spec = store.childStorage(proxy?.address);
      return { factory: spec.factory, options: { ...spec.options, ...extra } };
    },
  };
}

function storeAddress<S extends Storage>(harness: FaultHarness<S>, store: FaultTestStore<S>): StoreAddress {
  if (store.address === undefined) throw new Error(`${harness.name}: a network harness's store must give its address`);
  return store.address;
}
