// enqueue-races.ts: conformance of `enqueue` under racing producers: several storages over the same data write
// batches that share uniqueKeys, in different orders, while holders are deleted underneath them. Every batch is all
// or nothing: it is answered in full (each duplicate naming a real holder) and never fails having written part of itself.
import { describe, expect, it } from 'vitest';
import type { NewJob } from '../../job.js';
import type { EnqueueResult, Storage } from '../../storage.js';
import type { ConformanceContext } from './context.js';
import { newJob } from './fixtures.js';

/** Storages racing (the test's own and its peers), producers per storage, and batches per producer. */
const STORAGES = 4;
const PRODUCERS_PER_STORAGE = 2;
const BATCHES_PER_PRODUCER = 12;
/** Few keys, so most batches collide with one another on most of them. */
const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4'];
/** Jobs without a key in each batch: the ones a partial write would leave behind. */
const KEYLESS_PER_BATCH = 3;

/** What every batch was answered, for the checks made once all producers are done. */
interface Ledger {
  /** Ids some batch answered as written (`duplicate: false`). */
  written: Set<string>;
  /** Ids a producer deleted after its batch wrote them. */
  deleted: Set<string>;
  /** Every holder id a duplicate answer named. */
  holders: string[];
  /** How each failed batch failed, and how much of it was stored. */
  failures: string[];
}

export function enqueueRacesConformance(ctx: ConformanceContext): void {
  describe('enqueue (racing producers)', () => {
    it('answers every batch in full while producers race on shared uniqueKeys and holders are deleted', async () => {
      const storages = [ctx.storage];
      for (let peer = 1; peer < STORAGES; peer++) storages.push(await ctx.connectPeer());
      const ledger: Ledger = { written: new Set(), deleted: new Set(), holders: [], failures: [] };
      const producers = storages.flatMap((storage, index) =>
        Array.from({ length: PRODUCERS_PER_STORAGE }, (_, slot) =>
          produce(ctx, storage, index * PRODUCERS_PER_STORAGE + slot, ledger),
        ),
      );
      await Promise.all(producers);

      expect(ledger.failures, 'batches that failed').toEqual([]);
      const unknownHolders = ledger.holders.filter((id) => !ledger.written.has(id));
      expect(unknownHolders, 'duplicates answered with an id no batch wrote').toEqual([]);
      const stored = await ctx.storage.list({ limit: 10_000, offset: 0 });
      const expected = [...ledger.written].filter((id) => !ledger.deleted.has(id));
      expect(stored.map((job) => job.id).sort()).toEqual(expected.sort());
      const keys = stored.flatMap((job) => (job.uniqueKey === null ? [] : [job.uniqueKey]));
      expect(keys.sort(), 'one unfinished holder per uniqueKey at most').toEqual([...new Set(keys)].sort());
    });
  });
}

/**
 * One producer: its batches one after another, each followed by deleting the holders it wrote, so that keys keep
 * coming free and the next batches race to take them.
 */
async function produce(ctx: ConformanceContext, storage: Storage, seed: number, ledger: Ledger): Promise<void> {
  for (let round = 0; round < BATCHES_PER_PRODUCER; round++) {
    const jobs = raceBatch(ctx, seed + round, round % 2 === 1);
    let results: EnqueueResult[];
    try {
      results = await storage.enqueue({ jobs });
    } catch (error) {
      const stored = (await Promise.all(jobs.map((job) => storage.get(job.id)))).filter((job) => job !== null);
      ledger.failures.push(`${String(error)} (having written ${stored.length} of its ${jobs.length} jobs)`);
      continue;
    }
    expect(results).toHaveLength(jobs.length);
    for (const [index, job] of jobs.entries()) record(job, results[index] as EnqueueResult, ledger);
    const holding = jobs.filter((job, index) => job.uniqueKey !== null && results[index]?.duplicate === false);
    for (const job of holding) if (await storage.delete(job.id)) ledger.deleted.add(job.id);
  }
}

/** Every key (rotated by `turn`, reversed when asked, so batches take them in different orders) and keyless jobs. */
function raceBatch(ctx: ConformanceContext, turn: number, reversed: boolean): NewJob[] {
  const rotated = KEYS.map((_, index) => KEYS[(index + turn) % KEYS.length] as string);
  const keys = reversed ? rotated.reverse() : rotated;
  const keyed = keys.map((uniqueKey) => newJob(ctx, { uniqueKey }));
  const keyless = Array.from({ length: KEYLESS_PER_BATCH }, () => newJob(ctx));
  return turn % 2 === 0 ? [...keyed, ...keyless] : [...keyless, ...keyed];
}

/** Checks one answer against its job and notes it in the ledger. */
function record(job: NewJob, result: EnqueueResult, ledger: Ledger): void {
  if (!result.duplicate) {
    expect(result.id).toBe(job.id);
    ledger.written.add(job.id);
    return;
  }
  expect(job.uniqueKey, `job ${job.id} without a uniqueKey answered as a duplicate`).not.toBeNull();
  expect(result.id).not.toBe(job.id);
  ledger.holders.push(result.id);
}
