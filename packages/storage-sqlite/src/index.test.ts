// index.test.ts: pins the public API: the storage class (its options type is type-only).
import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('@jobsmith/storage-sqlite', () => {
  it('exports exactly SqliteStorage', () => {
    expect(Object.keys(api).sort()).toEqual(['SqliteStorage']);
  });
});
