// array-literal.test.ts: the array literals batch statements receive read back, through PostgreSQL itself, as
// exactly the values they were built from: every character that needs escaping or quoting, NULLs, numbers, booleans.
import { describe, expect, it } from 'vitest';
import { arrayLiteral } from '../src/array-literal.js';
import { adminQuery } from './helpers.js';

async function readBack<T>(literal: string, type: string): Promise<T[]> {
  const { rows } = await adminQuery<{ value: T[] }>(`SELECT $1::${type} AS value`, [literal]);
  return (rows[0] as { value: T[] }).value;
}

describe('arrayLiteral', () => {
  it('round-trips text with quotes, backslashes, braces, commas, spaces, NULL-lookalikes and empty strings', async () => {
    const values = [
      'plain',
      '',
      'NULL',
      'null',
      ' padded ',
      'a,b',
      '{braces}',
      'say "hi"',
      'back\\slash',
      '\\"both\\"',
      '{"json":"text","n":[1,2]}',
      'line\nbreak\ttab',
      'ünïcødé ✓ 😀',
      null,
    ];
    expect(await readBack<string | null>(arrayLiteral(values), 'text[]')).toEqual(values);
  });

  it('round-trips integers, bigints past 2^31, booleans and NULLs', async () => {
    expect(await readBack<number | null>(arrayLiteral([0, -2_147_483_648, 2_147_483_647, null]), 'integer[]')).toEqual([
      0,
      -2_147_483_648,
      2_147_483_647,
      null,
    ]);
    // pg returns bigint as text.
    expect(await readBack<string | null>(arrayLiteral([8_640_000_000_000_000, -1, null]), 'bigint[]')).toEqual([
      '8640000000000000',
      '-1',
      null,
    ]);
    expect(await readBack<boolean | null>(arrayLiteral([true, false, null]), 'boolean[]')).toEqual([true, false, null]);
  });

  it('writes an empty array and treats undefined as NULL', async () => {
    expect(await readBack<string>(arrayLiteral([]), 'text[]')).toEqual([]);
    expect(await readBack<string | null>(arrayLiteral([undefined, 'x']), 'text[]')).toEqual([null, 'x']);
  });
});
