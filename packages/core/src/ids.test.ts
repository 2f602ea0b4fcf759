import { describe, expect, it } from 'vitest';
import { randomId, uuidv7 } from './ids.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7', () => {
  it('makes RFC 9562 version 7 ids carrying the millisecond', () => {
    const id = uuidv7(Date.UTC(2030, 0, 1));
    expect(id).toMatch(UUID_V7);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2030, 0, 1));
  });

  it('sorts in creation order within one millisecond', () => {
    const at = Date.UTC(2031, 5, 1);
    const ids = Array.from({ length: 10_000 }, () => uuidv7(at));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });

  it('stays ordered when the clock goes backwards', () => {
    const first = uuidv7(Date.UTC(2032, 0, 1));
    const second = uuidv7(Date.UTC(2031, 0, 1));
    expect(second > first).toBe(true);
  });
});

describe('randomId', () => {
  it('makes distinct ids', () => {
    expect(new Set(Array.from({ length: 1000 }, randomId)).size).toBe(1000);
  });
});
