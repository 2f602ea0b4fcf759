// ordering.test.ts: the claim order tests (ordering.ts) on the single Redis at REDIS_URL.
import { redisHarness } from './harness.js';
import { runOrderingTests } from './ordering.js';

runOrderingTests(redisHarness);
