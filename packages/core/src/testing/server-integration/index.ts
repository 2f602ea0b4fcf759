// index.ts: the server integration suite every multi-process backend runs unchanged: real BackgroundJobServer
// processes over one store (exactly-once, crash reclaim, graceful stop, push latency, cancel latency, signals), one
// concern per file.
import { describe } from 'vitest';
import type { Storage } from '../../storage.js';
import { cancelLatencyIntegration } from './cancel-latency.js';
import { useServerIntegrationContext } from './context.js';
import { crashIntegration } from './crash.js';
import { exactlyOnceIntegration } from './exactly-once.js';
import { gracefulStopIntegration } from './graceful-stop.js';
import type { ServerIntegrationHarness } from './harness.js';
import { pushLatencyIntegration } from './push-latency.js';
import { signalsIntegration } from './signals.js';

/**
 * Registers the whole suite for one backend: call it at the top level of the backend's
 * `server-integration.test.ts`. Each test gets a fresh store from `harness.create`, and its children are killed and
 * the store destroyed after it.
 */
export function runServerIntegration<S extends Storage>(harness: ServerIntegrationHarness<S>): void {
  describe(`server integration: ${harness.name}`, () => {
    const ctx = useServerIntegrationContext(harness);
    exactlyOnceIntegration(ctx);
    crashIntegration(ctx);
    gracefulStopIntegration(ctx);
    pushLatencyIntegration(ctx);
    cancelLatencyIntegration(ctx);
    signalsIntegration(ctx);
  });
}
