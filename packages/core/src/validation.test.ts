import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { serializeJson } from './validation.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

class Money {
  constructor(readonly cents: number) {}
  toJSON(): string {
    return `${this.cents / 100} EUR`;
  }
}

/** Calls serializeJson as enqueue does and returns the ValidationError it throws. */
function refusal(value: unknown): ValidationError {
  try {
    serializeJson('enqueue', 'payload', value);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('serializeJson accepted the value');
}

describe('serializeJson', () => {
  // JSON.stringify would store each of these as {} (or an index map), losing the data without a word.
  const flattened: [string, unknown, RegExp][] = [
    ['a Map', new Map([['a', 1]]), /Map is not .*Object\.fromEntries\(map\)/],
    ['a Set', new Set([1]), /Set is not .*\[\.\.\.set\]/],
    ['a WeakMap', new WeakMap(), /WeakMap without toJSON is not/],
    ['a WeakSet', new WeakSet(), /WeakSet without toJSON is not/],
    ['a Uint8Array', new Uint8Array([1, 2]), /Uint8Array is not.*Array\.from/],
    ['a Float64Array', new Float64Array([1.5]), /Float64Array is not/],
    ['a class instance without toJSON', new Point(1, 2), /Point without toJSON is not.*plain object/],
    ['an Error', new Error('boom'), /Error without toJSON is not/],
  ];

  for (const [what, value, reason] of flattened) {
    it(`rejects ${what} at the top level, naming the field and what to do`, () => {
      const error = refusal(value);
      expect(error.field).toBe('payload');
      expect(error.message).toMatch(reason);
    });

    it(`rejects ${what} nested in the value, naming its key`, () => {
      expect(refusal({ order: { tags: value } }).field).toBe('payload (at key "tags")');
      expect(refusal([1, value]).field).toBe('payload (at key "1")');
    });
  }

  it('rejects a Map in a handler result and a recurring payload alike (the field is the caller’s)', () => {
    expect(() => serializeJson('finish', 'result', { seen: new Set() })).toThrow(/result \(at key "seen"\)/);
    expect(() => serializeJson('scheduleRecurring', 'payload', new Map())).toThrow(ValidationError);
  });

  it('accepts what JSON keeps: plain and null-prototype objects, arrays, and objects with toJSON', () => {
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    const at = new Date(Date.UTC(2030, 0, 1));
    expect(serializeJson('enqueue', 'payload', { bare, at, list: [1, 'a', null] })).toBe(
      '{"bare":{"a":1},"at":"2030-01-01T00:00:00.000Z","list":[1,"a",null]}',
    );
    expect(serializeJson('enqueue', 'payload', { price: new Money(250) })).toBe('{"price":"2.5 EUR"}');
    expect(serializeJson('enqueue', 'payload', Buffer.from('hi'))).toBe('{"type":"Buffer","data":[104,105]}');
    // Boxed primitives: JSON unwraps them, so they keep their value.
    expect(serializeJson('enqueue', 'payload', [Object(1), Object('s'), Object(true)])).toBe('[1,"s",true]');
  });

  it('accepts a plain object made in another realm (a vm context)', () => {
    const foreign = runInNewContext('({ a: { b: [1, 2] } })') as unknown;
    expect(serializeJson('enqueue', 'payload', foreign)).toBe('{"a":{"b":[1,2]}}');
  });
});
