// lost-claims.ts: conformance of `releaseLostClaims`, the hand-back of jobs a server claimed but never heard about
// (the claim's reply was lost). Those jobs provably never started, so they go back with the attempt refunded, while
// every lease the server does hold, and every other server's job, stays as it is.
import { describe, expect, it } from 'vitest';
import type { ConformanceContext } from './context.js';
import { claim, enqueueBatch, mustGet, SERVER_ID, sortedIds } from './fixtures.js';

const OTHER_SERVER_ID = 'conformance#server-b';

export function lostClaimsConformance(ctx: ConformanceContext): void {
  describe('releaseLostClaims', () => {
    it('hands back the server’s processing jobs it does not hold, attempt refunded, lease revoked', async () => {
      await enqueueBatch(ctx, 3);
      const [held, lostA, lostB] = [...(await claim(ctx, { limit: 3 }))].sort((a, b) => (a.id < b.id ? -1 : 1));
      if (held === undefined || lostA === undefined || lostB === undefined) throw new Error('setup claimed < 3 jobs');
      ctx.clock.advance(1_000);

      const moved = await ctx.storage.releaseLostClaims({ serverId: SERVER_ID, heldLeaseIds: [held.leaseId ?? ''] });

      expect(sortedIds(moved.map((m) => m.job))).toEqual(sortedIds([lostA, lostB]));
      expect(moved.every((m) => m.from === 'processing' && m.job.state === 'enqueued')).toBe(true);
      for (const lost of [lostA, lostB]) {
        expect(await mustGet(ctx.storage, lost.id)).toEqual({
          ...lost,
          state: 'enqueued',
          attempt: 0,
          leaseId: null,
          lockedBy: null,
          lockedUntil: null,
          updatedAt: ctx.clock.now(),
        });
      }
      expect(await mustGet(ctx.storage, held.id)).toEqual(held);
    });

    it('leaves other servers’ jobs alone, and a stale lease of the job cannot finish it', async () => {
      await enqueueBatch(ctx, 2);
      const [mine] = await claim(ctx);
      const [theirs] = await claim(ctx, { serverId: OTHER_SERVER_ID });
      if (mine === undefined || theirs === undefined) throw new Error('setup claimed < 2 jobs');

      const moved = await ctx.storage.releaseLostClaims({ serverId: SERVER_ID, heldLeaseIds: [] });

      expect(moved.map((m) => m.job.id)).toEqual([mine.id]);
      expect(await mustGet(ctx.storage, theirs.id)).toEqual(theirs);
      const outcome = { id: mine.id, leaseId: mine.leaseId ?? '', to: 'succeeded', expiresAt: null } as const;
      expect(await ctx.storage.finish({ outcomes: [outcome] })).toEqual([false]);
      expect((await mustGet(ctx.storage, mine.id)).state).toBe('enqueued');
    });

    it('returns nothing and changes nothing when the server holds every lease it claimed', async () => {
      await enqueueBatch(ctx, 2);
      const claimed = await claim(ctx, { limit: 2 });
      const moved = await ctx.storage.releaseLostClaims({
        serverId: SERVER_ID,
        heldLeaseIds: claimed.map((job) => job.leaseId ?? ''),
      });
      expect(moved).toEqual([]);
      for (const job of claimed) expect(await mustGet(ctx.storage, job.id)).toEqual(job);
    });

    it('puts a released job back at the head of its queue, claimable again at once', async () => {
      await enqueueBatch(ctx, 2);
      const [first] = await claim(ctx);
      if (first === undefined) throw new Error('setup claimed nothing');
      await ctx.storage.releaseLostClaims({ serverId: SERVER_ID, heldLeaseIds: [] });
      const [again] = await claim(ctx);
      expect(again).toMatchObject({ id: first.id, attempt: 1, state: 'processing' });
    });
  });
}
