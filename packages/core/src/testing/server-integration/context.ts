// context.ts: the fixture of every multi-process server test: before each test a fresh store from the harness and a
// ServerProcesses over it; after it, every child still running is killed and the store dropped. Read the accessors
// only inside tests and hooks.
import { JobClient } from '../../client.js';
import type { Storage } from '../../storage.js';
import { useEachTestFixture } from '../fixture.js';
import { ServerProcesses } from '../process-kit/server-processes.js';
import type { ServerIntegrationHarness, ServerTestStore } from './harness.js';

/** The current test's store, a client on it, and its server children. */
export interface ServerIntegrationContext<S extends Storage = Storage> {
  readonly harness: ServerIntegrationHarness<S>;
  readonly storage: S;
  readonly client: JobClient;
  readonly processes: ServerProcesses;
}

interface Fixture<S extends Storage> {
  store: ServerTestStore<S>;
  client: JobClient;
  processes: ServerProcesses;
}

/** Registers the beforeEach / afterEach pair; backend-specific server tests use it too. */
export function useServerIntegrationContext<S extends Storage>(
  harness: ServerIntegrationHarness<S>,
): ServerIntegrationContext<S> {
  const current = useEachTestFixture(
    'server integration context',
    async (): Promise<Fixture<S>> => {
      const store = await harness.create();
      const client = new JobClient(store.storage);
      return { store, client, processes: new ServerProcesses({ storage: store.childStorage }) };
    },
    async (done) => {
      try {
        await done.processes.killAll();
      } finally {
        await harness.destroy(done.store);
      }
    },
  );

  return {
    harness,
    get storage() {
      return current().store.storage;
    },
    get client() {
      return current().client;
    },
    get processes() {
      return current().processes;
    },
  };
}
