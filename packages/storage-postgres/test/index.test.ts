// index.test.ts: pins the public API of @jobsmith/storage-postgres (the class; its options type is type-only) and
// checks that every documented @defaultValue matches DEFAULT_POSTGRES_OPTIONS.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';
import { DEFAULT_POSTGRES_OPTIONS } from '../src/options.js';

describe('@jobsmith/storage-postgres', () => {
  it('exports PostgresStorage and nothing else at run time', () => {
    expect(Object.keys(api).sort()).toEqual(['PostgresStorage']);
  });

  it('documents each default as DEFAULT_POSTGRES_OPTIONS has it', () => {
    const source = readFileSync(new URL('../src/options.ts', import.meta.url), 'utf8');
    for (const [key, value] of Object.entries(DEFAULT_POSTGRES_OPTIONS)) {
      const pattern = new RegExp(`@defaultValue ([^\\n*]+?)\\s*(?:\\n\\s*)?\\*/\\n\\s*${key}\\?:`);
      const documented = pattern.exec(source)?.[1];
      expect(documented, `@defaultValue of ${key}`).toBe(typeof value === 'string' ? `'${value}'` : String(value));
    }
  });
});
