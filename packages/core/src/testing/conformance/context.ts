// context.ts: the fixture every conformance file shares: before each test a fresh ManualClock and an empty storage
// from the harness, after it the storage and any peers torn down. Read `ctx.storage` only inside tests and hooks.
import { assert } from 'vitest';
import { ManualClock } from '../../clock.js';
import type { Storage } from '../../storage.js';
import { useEachTestFixture } from '../fixture.js';
import type { StorageHarness } from '../harness.js';

/** Where every test's clock starts: an odd millisecond, so a backend that truncates dates fails everywhere. */
export const START_AT_MS = Date.UTC(2030, 0, 1, 12, 0, 0, 123);

/** The current test's storage and clock, and a way to reach the same data from another "process". */
export interface ConformanceContext {
  readonly harness: StorageHarness;
  readonly storage: Storage;
  readonly clock: ManualClock;
  /** Another storage over the same data (see `StorageHarness.connectPeer`), destroyed after the test. */
  connectPeer(): Promise<Storage>;
  /** Closes a peer inside the test; it is then left out of the teardown. */
  closePeer(peer: Storage): Promise<void>;
}

interface Fixture {
  storage: Storage;
  clock: ManualClock;
  peers: Storage[];
}

/** Registers the beforeEach / afterEach pair and returns accessors for the current test's fixture. */
export function useConformanceContext(harness: StorageHarness): ConformanceContext {
  const current = useEachTestFixture(
    'conformance context',
    async (): Promise<Fixture> => {
      const clock = new ManualClock(START_AT_MS);
      return { storage: await harness.create(clock), clock, peers: [] };
    },
    async (done) => {
      try {
        for (const peer of done.peers.reverse()) await harness.destroy(peer);
      } finally {
        await harness.destroy(done.storage);
      }
    },
  );

  return {
    harness,
    get storage() {
      return current().storage;
    },
    get clock() {
      return current().clock;
    },
    async connectPeer() {
      const { storage, clock, peers } = current();
      const peer = await harness.connectPeer(storage, clock);
      if (peer !== storage && !peers.includes(peer)) peers.push(peer);
      return peer;
    },
    async closePeer(peer) {
      const { storage, peers } = current();
      const index = peers.indexOf(peer);
      assert(peer !== storage && index >= 0, 'closePeer takes a peer from connectPeer, not the test storage');
      peers.splice(index, 1);
      await peer.close();
    },
  };
}
