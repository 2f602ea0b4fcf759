// multi-process-worker.ts: one OS process of multi-process.test.ts: a RedisStorage of its own on the shared store
// (REDIS_URL, JOBSMITH_PREFIX), running core's claim loop (runClaimLoopChild: ready, wait for go, claim 5 + finish
// until empty, print the claims).
import { runClaimLoopChild } from '@jobsmith/core/testing';
import { RedisStorage } from '../src/storage.js';

const storage = new RedisStorage({ url: process.env.REDIS_URL, prefix: process.env.JOBSMITH_PREFIX });
await runClaimLoopChild(storage, { serverId: `process-${process.pid}` });
