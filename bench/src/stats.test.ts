// stats.test.ts: the statistics helpers against hand-computed figures (no timing here).
import { describe, expect, it } from 'vitest';
import { max, median, min, percentile, summarize } from './stats.js';

describe('median', () => {
  it('returns the middle value of an odd count', () => {
    expect(median([5, 1, 3])).toBe(3);
  });

  it('returns the mean of the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('returns the only value of a single sample', () => {
    expect(median([7])).toBe(7);
  });

  it('leaves its input unsorted', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('min and max', () => {
  it('return the extremes', () => {
    expect(min([3, -2, 9])).toBe(-2);
    expect(max([3, -2, 9])).toBe(9);
  });
});

describe('percentile', () => {
  const hundred = Array.from({ length: 101 }, (_, i) => i);

  it('returns the exact rank when one exists', () => {
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 50)).toBe(50);
  });

  it('interpolates between the closest ranks', () => {
    expect(percentile([10, 20], 25)).toBe(12.5);
    expect(percentile([1, 2, 3, 4], 99)).toBeCloseTo(3.97, 10);
  });

  it('returns the minimum at 0 and the maximum at 100', () => {
    expect(percentile([4, 8, 1], 0)).toBe(1);
    expect(percentile([4, 8, 1], 100)).toBe(8);
  });

  it('rejects p outside 0-100 naming p', () => {
    expect(() => percentile([1], 101)).toThrow(/p must be between 0 and 100 \(got 101\)/);
    expect(() => percentile([1], Number.NaN)).toThrow(/p must be between/);
  });
});

describe('summarize', () => {
  it('gives median, min, max and count', () => {
    expect(summarize([30, 10, 20])).toEqual({ median: 20, min: 10, max: 30, count: 3 });
  });
});

describe('bad input', () => {
  it('rejects an empty list naming the operation', () => {
    expect(() => median([])).toThrow('percentile: values must not be empty');
    expect(() => summarize([])).toThrow('summarize: values must not be empty');
    expect(() => min([])).toThrow('min: values must not be empty');
  });

  it('rejects NaN samples', () => {
    expect(() => max([1, Number.NaN])).toThrow('max: values must not contain NaN');
  });
});
