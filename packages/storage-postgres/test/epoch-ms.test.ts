// epoch-ms.test.ts: epoch_ms (migration 0004), which claims return every instant through, gives the exact
// millisecond of any instant PostgreSQL stores, on both sides of its fast path's year-10000 bound, and is inlined
// into the statements that call it (no function call per value).
import { describe, expect, it } from 'vitest';
import { adminQuery, storageForSuite } from './helpers.js';

/** 4713-11-24 BC, close to the earliest instant timestamptz holds. */
const PG_EARLIEST_MS = -210_866_760_000_000;
/** 275760-09-13, the latest instant a Date holds (timestamptz goes further). */
const DATE_LATEST_MS = 8_640_000_000_000_000;
const YEAR_10000_MS = Date.UTC(10000, 0, 1);

/** A deterministic spread of instants (no Math.random: a failure must replay). */
function spread(count: number, from: number, to: number): number[] {
  let seed = 0x2545f491;
  return Array.from({ length: count }, () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return Math.floor(from + (seed / 2 ** 31) * (to - from));
  });
}

describe('epoch_ms', () => {
  const { schema } = storageForSuite();

  async function epochMs(instants: readonly number[]): Promise<number[]> {
    const { rows } = await adminQuery<{ ms: number }>(
      `SELECT "${schema}".epoch_ms(t) AS ms FROM unnest($1::timestamptz[]) WITH ORDINALITY AS u (t, n) ORDER BY n`,
      [instants.map((ms) => new Date(ms))],
    );
    return rows.map((row) => row.ms);
  }

  it('returns the exact millisecond of instants from 4713 BC to the last Date, around year 10000 too', async () => {
    const instants = [
      0,
      -1,
      1,
      Date.UTC(2030, 0, 1, 0, 0, 0, 1),
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      YEAR_10000_MS - 1,
      YEAR_10000_MS,
      YEAR_10000_MS + 1,
      PG_EARLIEST_MS,
      DATE_LATEST_MS,
      ...spread(2_000, Date.UTC(1970, 0, 1), Date.UTC(2100, 0, 1)),
      ...spread(2_000, PG_EARLIEST_MS, DATE_LATEST_MS),
    ];

    expect(await epochMs(instants)).toEqual(instants);
  });

  it('returns null for null', async () => {
    const { rows } = await adminQuery<{ ms: number | null }>(`SELECT "${schema}".epoch_ms(NULL) AS ms`);
    expect(rows).toEqual([{ ms: null }]);
  });

  it('is inlined: the plan computes the expression itself, with no call to epoch_ms', async () => {
    const { rows } = await adminQuery<{ 'QUERY PLAN': string }>(
      `EXPLAIN (VERBOSE, COSTS OFF) SELECT "${schema}".epoch_ms(run_at) FROM "${schema}".jobs`,
    );
    const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(plan).toContain('date_part');
    expect(plan).not.toContain('epoch_ms');
  });
});
