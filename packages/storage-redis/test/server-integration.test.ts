// server-integration.test.ts: the shared multi-process server suite on Redis: server processes, each with its own
// connections and pub/sub subscriber, on one key prefix.
import { runServerIntegration } from '@jobsmith/core/testing';
import { redisServerHarness } from './server-harness.js';

runServerIntegration(redisServerHarness);
