// fidelity.test.ts: payload and result are stored as the exact bytes the core gave (never decoded in Lua), so what
// Redis holds is byte-identical to the JSON text, and get / fetchAndLock return exactly its parse.
import { ManualClock } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyLayout } from '../src/keys.js';
import type { RedisStorage } from '../src/storage.js';
import { rawClient, redisHarness } from './harness.js';

/** JSON texts a cjson round trip would mangle ([] -> {}, big numbers -> floats, escapes), and a large one. */
const TEXTS: Record<string, string> = {
  'an empty array': '[]',
  'an empty object': '{}',
  'nested empties': '{"a":[],"b":{},"c":[[],{}],"d":{"e":[{}]}}',
  unicode: JSON.stringify({ s: 'héllo 😀 漢字 مرحبا', 键: '値' }),
  'a big integer as a string': '{"id":"9007199254740993"}',
  '2^53+1 as a JSON number': '{"n":9007199254740993}',
  'a bare big number': '9007199254740993',
  'a 5 MB payload': JSON.stringify({ blob: 'x€😀'.repeat(600_000), tail: [] }),
};

let storage: RedisStorage;
let raw: Redis;

beforeEach(async () => {
  storage = await redisHarness.create(new ManualClock());
  raw = rawClient();
});

afterEach(async () => {
  raw.disconnect();
  await redisHarness.destroy(storage);
});

/** The bytes Redis holds in a job hash field. */
async function storedBytes(id: string, field: string): Promise<Buffer | null> {
  return raw.hgetBuffer(keyLayout(storage.prefix).jobPrefix + id, field);
}

describe('payload fidelity', () => {
  for (const [what, text] of Object.entries(TEXTS)) {
    it(`stores ${what} byte for byte and returns its exact parse from get and fetchAndLock`, async () => {
      const job = makeNewJob({ payload: text }, storage.clock.now());
      await storage.enqueue({ jobs: [job] });
      expect((await storedBytes(job.id, 'payload'))?.equals(Buffer.from(text, 'utf8'))).toBe(true);
      expect((await storage.get(job.id))?.payload).toEqual(JSON.parse(text));
      const [claimed] = await storage.fetchAndLock({ serverId: 's', queues: [], limit: 1, leaseMs: 1_000 });
      expect(claimed?.payload).toEqual(JSON.parse(text));
      expect((await storedBytes(job.id, 'payload'))?.equals(Buffer.from(text, 'utf8'))).toBe(true);
    });
  }
});

describe('result fidelity', () => {
  for (const [what, text] of Object.entries(TEXTS)) {
    it(`stores a result of ${what} byte for byte`, async () => {
      await storage.enqueue({ jobs: [makeNewJob({}, storage.clock.now())] });
      const [claimed] = await storage.fetchAndLock({ serverId: 's', queues: [], limit: 1, leaseMs: 1_000 });
      const lease = { id: claimed!.id, leaseId: claimed!.leaseId! };
      expect(await storage.finish({ outcomes: [{ ...lease, to: 'succeeded', result: text }] })).toEqual([true]);
      expect((await storedBytes(lease.id, 'result'))?.equals(Buffer.from(text, 'utf8'))).toBe(true);
      expect((await storage.get(lease.id))?.result).toEqual(JSON.parse(text));
    });
  }
});
