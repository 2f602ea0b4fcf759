// systems/index.ts: every system the benchmark knows, in table order (jobsmith per store, then the peers).
import type { ServiceUrls } from '../services.js';
import type { SystemSpec } from '../system.js';
import { bullmqSpec } from './bullmq.js';
import { graphileWorkerSpec } from './graphile-worker.js';
import { jobsmithSpecs } from './jobsmith.js';
import { pgBossSpec } from './pg-boss.js';

export function allSystems(urls: ServiceUrls): SystemSpec[] {
  return [...jobsmithSpecs(urls), bullmqSpec(urls.redis), pgBossSpec(urls.postgres), graphileWorkerSpec(urls.postgres)];
}
