// index.ts: the storage conformance suite every backend runs unchanged, one concern per file (as River's
// riverdrivertest). A semantic change to the Storage contract lands here first.
import { describe } from 'vitest';
import type { StorageHarness } from '../harness.js';
import { adminConformance } from './admin.js';
import { badInputConformance } from './bad-input.js';
import { claimConformance } from './claim.js';
import { useConformanceContext } from './context.js';
import { datesConformance } from './dates.js';
import { enqueueConformance } from './enqueue.js';
import { enqueueRacesConformance } from './enqueue-races.js';
import { enqueueReplaceConformance } from './enqueue-replace.js';
import { eventsConformance } from './events.js';
import { fidelityConformance } from './fidelity.js';
import { finishConformance } from './finish.js';
import { leaseWritesConformance } from './lease-writes.js';
import { lifecycleConformance } from './lifecycle.js';
import { lostClaimsConformance } from './lost-claims.js';
import { recurringConformance } from './recurring.js';
import { serversConformance } from './servers.js';
import { storageInputConformance } from './storage-input.js';
import { sweepsConformance } from './sweeps.js';

/**
 * Registers the whole suite for one backend: call it at the top level of the backend's `storage.test.ts`. Each test
 * gets a fresh storage from `harness.create` on its own ManualClock, and `harness.destroy` runs after it.
 */
export function runStorageConformance(harness: StorageHarness): void {
  describe(`storage conformance: ${harness.name}`, () => {
    const ctx = useConformanceContext(harness);
    enqueueConformance(ctx);
    enqueueRacesConformance(ctx);
    enqueueReplaceConformance(ctx);
    claimConformance(ctx);
    finishConformance(ctx);
    leaseWritesConformance(ctx);
    lostClaimsConformance(ctx);
    sweepsConformance(ctx);
    serversConformance(ctx);
    recurringConformance(ctx);
    adminConformance(ctx);
    fidelityConformance(ctx);
    lifecycleConformance(ctx);
    badInputConformance(ctx);
    datesConformance(ctx);
    storageInputConformance(ctx);
    eventsConformance(ctx);
  });
}
