// storage.test.ts: RedisStorage against the shared storage conformance suite, on the real server (REDIS_URL), each
// test under its own key prefix.
import { runStorageConformance } from '@jobsmith/core/testing';
import { redisHarness } from '../test/harness.js';

runStorageConformance(redisHarness);
