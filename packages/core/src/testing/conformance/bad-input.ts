// bad-input.ts: conformance of the front door over each backend: every bad input to JobClient.enqueue / enqueueMany
// is a ValidationError naming its field, and nothing reaches storage (a batch with one bad item stores none).
import { describe, expect, it } from 'vitest';
import { JobClient } from '../../client.js';
import type { EnqueueOptions } from '../../enqueue-options.js';
import { ValidationError } from '../../errors.js';
import type { ConformanceContext } from './context.js';
import { jobTotal, mustGet } from './fixtures.js';

interface BadInput {
  what: string;
  /** The field the ValidationError must name; a pattern where the message locates a nested value. */
  field: string | RegExp;
  method?: string;
  /** Defaults to `{}` when the key is absent (present and `undefined` means an undefined payload). */
  payload?: unknown;
  options?: EnqueueOptions;
}

/** An object that contains itself. */
function cyclic(): unknown {
  const node: { name: string; self?: unknown } = { name: 'loop' };
  node.self = { parent: node };
  return node;
}

/** A nested bad value: the field starts with `payload` and may say where inside it. */
const IN_PAYLOAD = /^payload\b/;

const BAD_INPUTS: readonly BadInput[] = [
  { what: 'a BigInt payload', payload: 10n, field: 'payload' },
  { what: 'a BigInt inside the payload', payload: { amount: 10n }, field: IN_PAYLOAD },
  { what: 'a payload with a cycle', payload: cyclic(), field: IN_PAYLOAD },
  { what: 'a function payload', payload: () => 1, field: 'payload' },
  { what: 'a function inside the payload', payload: { run: () => 1 }, field: IN_PAYLOAD },
  { what: 'an undefined payload', payload: undefined, field: 'payload' },
  { what: 'a NaN payload', payload: Number.NaN, field: 'payload' },
  { what: 'Infinity inside the payload', payload: { n: Number.POSITIVE_INFINITY }, field: IN_PAYLOAD },
  // JSON would store these as {} (or an index map), losing the data.
  { what: 'a Map payload', payload: new Map([['a', 1]]), field: 'payload' },
  { what: 'a Map inside the payload', payload: { tags: new Map() }, field: 'payload (at key "tags")' },
  { what: 'a Set inside the payload', payload: { ids: new Set([1]) }, field: 'payload (at key "ids")' },
  { what: 'a WeakMap inside the payload', payload: { cache: new WeakMap() }, field: IN_PAYLOAD },
  { what: 'a typed array inside the payload', payload: { bytes: new Uint8Array(2) }, field: IN_PAYLOAD },
  { what: 'a class instance without toJSON in the payload', payload: [new (class Point {})()], field: IN_PAYLOAD },
  { what: 'an empty method', method: '', field: 'method' },
  { what: 'a 256-character method', method: 'm'.repeat(256), field: 'method' },
  { what: 'an empty queue', options: { queue: '' }, field: 'options.queue' },
  { what: 'a queue with a space', options: { queue: 'bad queue' }, field: 'options.queue' },
  { what: 'a queue with a slash', options: { queue: 'a/b' }, field: 'options.queue' },
  { what: 'a 129-character queue', options: { queue: 'q'.repeat(129) }, field: 'options.queue' },
  { what: 'a fractional priority', options: { priority: 1.5 }, field: 'options.priority' },
  { what: 'a priority above int32', options: { priority: 2 ** 31 }, field: 'options.priority' },
  { what: 'a priority below int32', options: { priority: -(2 ** 31) - 1 }, field: 'options.priority' },
  { what: 'maxAttempts 0', options: { maxAttempts: 0 }, field: 'options.maxAttempts' },
  { what: 'a negative delayMs', options: { delayMs: -1 }, field: 'options.delayMs' },
  { what: 'an Invalid Date runAt', options: { runAt: new Date(Number.NaN) }, field: 'options.runAt' },
  { what: 'both runAt and delayMs', options: { runAt: new Date(0), delayMs: 10 }, field: 'options.runAt' },
  { what: 'timeoutMs 0', options: { timeoutMs: 0 }, field: 'options.timeoutMs' },
  {
    what: 'metadata with a non-string value',
    options: { metadata: { count: 1 } as unknown as Record<string, string> },
    field: 'options.metadata.count',
  },
  { what: 'an empty uniqueKey', options: { uniqueKey: '' }, field: 'options.uniqueKey' },
];

/** The payload a bad input passes. */
function payloadOf(bad: BadInput): unknown {
  return 'payload' in bad ? bad.payload : {};
}

/** `field` as a matcher: exact for a string. */
function fieldMatcher(field: string | RegExp): unknown {
  return typeof field === 'string' ? field : expect.stringMatching(field);
}

export function badInputConformance(ctx: ConformanceContext): void {
  describe('JobClient.enqueue', () => {
    for (const bad of BAD_INPUTS) {
      it(`rejects ${bad.what} with a ValidationError naming the field, storing nothing`, async () => {
        const client = new JobClient(ctx.storage);
        const attempt = client.enqueue(bad.method ?? 'test', payloadOf(bad), bad.options);
        await expect(attempt).rejects.toBeInstanceOf(ValidationError);
        await expect(attempt).rejects.toMatchObject({ field: fieldMatcher(bad.field) });
        expect(await jobTotal(ctx.storage)).toBe(0);
      });
    }

    it('accepts the limits themselves and stores them', async () => {
      const client = new JobClient(ctx.storage);
      const limits = { queue: 'q'.repeat(128), priority: 2 ** 31 - 1, maxAttempts: 1, timeoutMs: 1 };
      const id = await client.enqueue('m'.repeat(255), { n: null }, { ...limits, delayMs: 0 });
      expect(await mustGet(ctx.storage, id)).toMatchObject({ ...limits, method: 'm'.repeat(255), state: 'enqueued' });
      const lowest = await client.enqueue('test', [], { priority: -(2 ** 31) });
      expect((await mustGet(ctx.storage, lowest)).priority).toBe(-(2 ** 31));
      expect(await jobTotal(ctx.storage)).toBe(2);
    });
  });

  describe('JobClient.enqueueMany', () => {
    const good = { method: 'test', payload: { ok: true } };

    it('stores none of the batch when one item has a bad payload, naming that item', async () => {
      const client = new JobClient(ctx.storage);
      const attempt = client.enqueueMany([good, good, { method: 'test', payload: { amount: 10n } }, good]);
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toMatchObject({ field: expect.stringMatching(/^items\[2\]\.payload\b/) });
      expect(await jobTotal(ctx.storage)).toBe(0);
    });

    it('stores none of the batch when one item has a bad option, naming that item', async () => {
      const client = new JobClient(ctx.storage);
      const bad = { ...good, options: { priority: 1.5 } };
      const attempt = client.enqueueMany([good, good, bad]);
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
      await expect(attempt).rejects.toMatchObject({ field: 'items[2].options.priority' });
      expect(await jobTotal(ctx.storage)).toBe(0);
    });

    it('stores the whole batch when every item is valid', async () => {
      const client = new JobClient(ctx.storage);
      const ids = await client.enqueueMany([good, { ...good, options: { queue: 'other' } }, good]);
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3);
      expect(await jobTotal(ctx.storage)).toBe(3);
    });
  });
}
