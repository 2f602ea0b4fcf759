// fidelity.ts: conformance of what a job carries through a round trip: payload and result JSON text exactly as the
// core wrote it (empties, unicode, big numbers as strings, key order, depth, 1 MB), metadata, errors, and every date
// to the millisecond.
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../job.js';
import type { ConformanceContext } from './context.js';
import { claimJob, DAY_MS, enqueueJob, fromNow, LEASE_MS, leaseOf, mustGet } from './fixtures.js';

/** Nests `value` `depth` levels deep, alternating arrays and objects. */
function nested(depth: number, value: JsonValue): JsonValue {
  let current = value;
  for (let level = 0; level < depth; level++) current = level % 2 === 0 ? [current] : { [`k${level}`]: current };
  return current;
}

/** Payloads that backends have been known to mangle, each serialized the way the core does. */
const PAYLOADS: Record<string, JsonValue> = {
  'an empty array': [],
  'an empty object': {},
  'nested empties': { a: {}, b: [], c: [[]], d: { e: [{}] }, f: '' },
  'emoji, CJK, accents and right-to-left text': { s: 'héllo 😀👩🏽‍💻 漢字かな 한국어 مرحبا', k: { 键: '値' } },
  'an integer beyond 2^53 kept as a string': { id: '9007199254740993', n: 9007199254740991 },
  'keys in the order given, not sorted': { b: 1, a: { z: true, y: null }, aa: [3, 2, 1] },
  'escapes, quotes and backslashes': { s: 'line1\nline2\t"quoted" \\ back \u2028 \u001f' },
  'floats and negative numbers': { f: 0.1, g: -1.5e-7, h: 1e21 },
  'a top-level string': 'just a string',
  'a top-level null': null,
  'deep nesting': nested(64, 'bottom'),
};

/** Text of about `bytes` bytes, with multi-byte characters in it. */
function largeText(bytes: number): string {
  const unit = 'abcdefghij€漢😀 '; // 10 + 3 + 3 + 4 + 1 = 21 bytes of UTF-8
  return unit.repeat(Math.ceil(bytes / 21)).slice(0, bytes);
}

export function fidelityConformance(ctx: ConformanceContext): void {
  describe('payload fidelity', () => {
    for (const [what, value] of Object.entries(PAYLOADS)) {
      it(`returns ${what} exactly as enqueued`, async () => {
        const text = JSON.stringify(value);
        const job = await enqueueJob(ctx, { payload: text });
        expect(job.payload).toEqual(value);
        expect(JSON.stringify(job.payload)).toBe(text);
      });
    }

    it('returns a 1 MB payload exactly as enqueued', async () => {
      const value = { blob: largeText(1_048_576), tail: [1, 2, 3] };
      const text = JSON.stringify(value);
      const job = await enqueueJob(ctx, { payload: text });
      expect(JSON.stringify(job.payload)).toBe(text);
      const [listed] = await ctx.storage.list({ limit: 1, offset: 0 });
      expect(JSON.stringify(listed?.payload)).toBe(text);
    });

    it('returns the same payload from get, list, fetchAndLock and the sweeps', async () => {
      const text = JSON.stringify(PAYLOADS['emoji, CJK, accents and right-to-left text']);
      const job = await enqueueJob(ctx, { payload: text });
      const [listed] = await ctx.storage.list({ limit: 1, offset: 0 });
      const claimed = await claimJob(ctx, job);
      ctx.clock.advance(DAY_MS);
      const [moved] = await ctx.storage.requeueExpiredLeases({ now: ctx.clock.now(), limit: 1, failedExpiresAt: null });
      for (const seen of [listed?.payload, claimed.payload, moved?.job.payload])
        expect(JSON.stringify(seen)).toBe(text);
    });
  });

  describe('result and error fidelity', () => {
    for (const [what, value] of Object.entries(PAYLOADS)) {
      it(`returns a result of ${what} exactly as finished`, async () => {
        const claimed = await claimJob(ctx, await enqueueJob(ctx));
        const text = JSON.stringify(value);
        expect(
          await ctx.storage.finish({ outcomes: [{ ...leaseOf(claimed), to: 'succeeded', result: text }] }),
        ).toEqual([true]);
        const job = await mustGet(ctx.storage, claimed.id);
        expect(job.result).toEqual(value);
        expect(JSON.stringify(job.result)).toBe(text);
      });
    }

    it('returns the last error with its name, unicode message and multi-line stack', async () => {
      const claimed = await claimJob(ctx, await enqueueJob(ctx));
      const error = {
        name: 'UnrecoverableError',
        message: 'card declined: "insufficient funds" 💳 — 残高不足',
        stack: 'UnrecoverableError: card declined\n    at charge (billing.ts:10:5)\n    at async run (worker.ts:3:1)',
      };
      const outcome = { ...leaseOf(claimed), to: 'failed', error, expiresAt: null } as const;
      expect(await ctx.storage.finish({ outcomes: [outcome] })).toEqual([true]);
      expect((await mustGet(ctx.storage, claimed.id)).lastError).toEqual(error);
    });

    it('returns an error without stack or name as given', async () => {
      const claimed = await claimJob(ctx, await enqueueJob(ctx));
      const outcome = {
        ...leaseOf(claimed),
        to: 'awaiting_retry',
        error: { message: 'x' },
        runAt: fromNow(ctx, 1),
      } as const;
      expect(await ctx.storage.finish({ outcomes: [outcome] })).toEqual([true]);
      expect((await mustGet(ctx.storage, claimed.id)).lastError).toEqual({ message: 'x' });
    });
  });

  describe('metadata fidelity', () => {
    it('returns metadata exactly as enqueued', async () => {
      const metadata = { tenant: 'acme', 'unicode-😀': '漢字', empty: '', quote: '"\\', traceparent: '00-ab-cd-01' };
      expect((await enqueueJob(ctx, { metadata })).metadata).toEqual(metadata);
    });

    it('returns an empty object for a job without metadata', async () => {
      expect((await enqueueJob(ctx)).metadata).toEqual({});
    });
  });

  describe('date fidelity', () => {
    it('keeps every date of a job to the millisecond', async () => {
      const runAt = new Date(ctx.clock.now().getTime() + 1);
      const createdAt = new Date(ctx.clock.now().getTime() - 999);
      const job = await enqueueJob(ctx, { runAt, createdAt });
      expect(job).toMatchObject({ runAt, createdAt, updatedAt: createdAt });
      ctx.clock.advance(6);
      const claimed = await claimJob(ctx, job);
      const claimedAt = ctx.clock.now();
      expect(claimed).toMatchObject({ startedAt: claimedAt, lockedUntil: new Date(claimedAt.getTime() + LEASE_MS) });
      ctx.clock.advance(13);
      const expiresAt = fromNow(ctx, 3);
      expect(await ctx.storage.finish({ outcomes: [{ ...leaseOf(claimed), to: 'succeeded', expiresAt }] })).toEqual([
        true,
      ]);
      expect(await mustGet(ctx.storage, job.id)).toMatchObject({
        runAt,
        createdAt,
        startedAt: claimedAt,
        finishedAt: ctx.clock.now(),
        updatedAt: ctx.clock.now(),
        expiresAt,
      });
      for (const date of [runAt, createdAt, claimedAt, expiresAt]) expect(date.getUTCMilliseconds() % 10).not.toBe(0);
    });
  });
}
