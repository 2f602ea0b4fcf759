// conformance-harness.test.ts: a backend's storage.test.ts, as docs/writing-a-backend.md shows it. MemoryStorage
// stands in for your backend: put your class in its place, and give each test its own data (schema, prefix, file).
import { type ManualClock, runStorageConformance, type StorageHarness } from '@jobsmith/core/testing';
import { MemoryStorage } from '@jobsmith/storage-memory';

const harness: StorageHarness<MemoryStorage> = {
  name: 'memory (the guide example)',
  // A fresh, empty, migrated storage for each test, on that test's clock.
  async create(clock: ManualClock) {
    const storage = new MemoryStorage({ clock });
    await storage.migrate();
    return storage;
  },
  // A second instance over the same data, as another process would open it. A store that cannot be shared returns
  // the storage itself, and must then declare multiProcess: false (the suite checks).
  async connectPeer(storage) {
    return storage;
  },
  // Close the storage and drop what create made.
  async destroy(storage) {
    await storage.close();
  },
};

runStorageConformance(harness);
