import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { MAX_DURATION_MS } from './validation.js';
import { WorkerResult } from './worker-result.js';

describe('WorkerResult.retry', () => {
  it('defaults to no delay and rounds a fraction up', () => {
    expect(WorkerResult.retry()).toEqual({ kind: 'retry', delayMs: 0 });
    expect(WorkerResult.retry({ delayMs: 1.2 })).toEqual({ kind: 'retry', delayMs: 2 });
    expect(WorkerResult.retry({ delayMs: MAX_DURATION_MS }).delayMs).toBe(MAX_DURATION_MS);
  });

  it('rejects a delay that is negative, not finite or past MAX_DURATION_MS, naming options.delayMs', () => {
    for (const delayMs of [-1, Number.NaN, Number.POSITIVE_INFINITY, 1e20, MAX_DURATION_MS + 1]) {
      expect(() => WorkerResult.retry({ delayMs })).toThrow(ValidationError);
      expect(() => WorkerResult.retry({ delayMs })).toThrow(/^WorkerResult\.retry: options\.delayMs must be/);
    }
  });
});

describe('WorkerResult.snooze', () => {
  it('defaults to no delay, rounds a fraction up, and is told apart from a retry', () => {
    expect(WorkerResult.snooze()).toEqual({ kind: 'snooze', delayMs: 0 });
    expect(WorkerResult.snooze({ delayMs: 1.2 })).toEqual({ kind: 'snooze', delayMs: 2 });
    expect(Object.isFrozen(WorkerResult.snooze())).toBe(true);
    expect(WorkerResult.isSnooze(WorkerResult.snooze())).toBe(true);
    expect(WorkerResult.isSnooze(WorkerResult.retry())).toBe(false);
    expect(WorkerResult.isRetry(WorkerResult.snooze())).toBe(false);
    expect(WorkerResult.isSnooze(null)).toBe(false);
  });

  it('rejects a delay that is negative, not finite or past MAX_DURATION_MS, naming options.delayMs', () => {
    for (const delayMs of [-1, Number.NaN, Number.POSITIVE_INFINITY, MAX_DURATION_MS + 1]) {
      expect(() => WorkerResult.snooze({ delayMs })).toThrow(ValidationError);
      expect(() => WorkerResult.snooze({ delayMs })).toThrow(/^WorkerResult\.snooze: options\.delayMs must be/);
    }
  });
});
