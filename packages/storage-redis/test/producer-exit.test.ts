// producer-exit.test.ts: a process that enqueues through a RedisStorage and returns without close() exits by itself:
// the command connection's socket holds the process only while a call is under way. A real process on purpose (see
// process-kit/producer-exit.ts).
import { fileURLToPath } from 'node:url';
import { ManualClock } from '@jobsmith/core';
import { expectProducerExits } from '@jobsmith/core/testing';
import { afterEach, beforeEach, it } from 'vitest';
import type { RedisStorage } from '../src/storage.js';
import { REDIS_URL, redisHarness } from './harness.js';

const SCRIPT = fileURLToPath(new URL('./producer-script.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let storage: RedisStorage;

beforeEach(async () => {
  storage = await redisHarness.create(new ManualClock());
});

afterEach(async () => {
  await redisHarness.destroy(storage);
});

it('lets a producer process that enqueued and returned without close() exit', { timeout: 90_000 }, async () => {
  await expectProducerExits({
    nodeArgs: ['--conditions=source', '--import', 'tsx', SCRIPT],
    cwd: REPO_ROOT,
    env: { REDIS_URL, JOBSMITH_PREFIX: storage.prefix },
    storage,
  });
});
