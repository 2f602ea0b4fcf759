// storage.test.ts: RedisStorage on a real local 3-master Redis Cluster through an ioredis `Cluster` client: the whole
// storage conformance suite (exactly-once claims, fencing, sweeps, recurring, ...) and the claim order tests, each
// test on a prefix served by the next master in turn.
import { runStorageConformance } from '@jobsmith/core/testing';
import { runOrderingTests } from '../ordering.js';
import { useClusterHarness } from './harness.js';

const harness = useClusterHarness();

runStorageConformance(harness);
runOrderingTests(harness);
