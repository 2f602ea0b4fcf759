// index.test.ts: pins the public API of @jobsmith/storage-memory, so an internal never leaks out by accident.
import { expect, it } from 'vitest';
import * as api from './index.js';

it('exports MemoryStorage and nothing else at runtime', () => {
  expect(Object.keys(api).sort()).toEqual(['MemoryStorage']);
});
