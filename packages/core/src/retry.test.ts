import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import type { Job } from './job.js';
import { checkRetryPolicy, DEFAULT_RETRY_POLICY, retryDelayMs } from './retry.js';
import { MAX_DURATION_MS } from './validation.js';

const job = {} as Job;
const middle = () => 0.5; // no jitter: 2 * 0.5 - 1 = 0

describe('retryDelayMs', () => {
  it('defaults to exponential 1 s, x2, capped at 15 minutes', () => {
    const delays = [1, 2, 3, 4, 20].map((attempt) => retryDelayMs({ type: 'exponential' }, attempt, null, job, middle));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 900_000]);
    expect(DEFAULT_RETRY_POLICY).toMatchObject({ initialDelayMs: 1000, factor: 2, maxDelayMs: 900_000, jitter: 0.25 });
  });

  it('spreads exponential delays by at most 25 % either side', () => {
    expect(retryDelayMs({ type: 'exponential' }, 3, null, job, () => 0)).toBe(3000);
    expect(retryDelayMs({ type: 'exponential' }, 3, null, job, () => 0.999_999)).toBe(5000);
  });

  it('supports fixed, linear and none', () => {
    expect(retryDelayMs({ type: 'fixed', delayMs: 700 }, 9, null, job)).toBe(700);
    expect(retryDelayMs({ type: 'linear', delayMs: 100 }, 4, null, job)).toBe(400);
    expect(retryDelayMs({ type: 'linear', delayMs: 100, maxDelayMs: 250 }, 4, null, job)).toBe(250);
    expect(retryDelayMs({ type: 'none' }, 1, null, job)).toBeNull();
  });

  it('keeps a zero exponential delay at zero however far a huge factor grows', () => {
    const policy = { type: 'exponential', initialDelayMs: 0, factor: 1e300, jitter: 0 } as const;
    expect(retryDelayMs(policy, 5, null, job)).toBe(0);
  });

  it('lets a function decide, null meaning fail now', () => {
    const policy = (attempt: number, error: unknown) => (error === 'fatal' ? null : attempt * 10.2);
    expect(retryDelayMs(policy, 2, 'oops', job)).toBe(21);
    expect(retryDelayMs(policy, 2, 'fatal', job)).toBeNull();
  });
});

describe('checkRetryPolicy', () => {
  it('names the bad field', () => {
    expect(() => checkRetryPolicy({ type: 'fixed' })).toThrow(/retryPolicy.delayMs/);
    expect(() => checkRetryPolicy({ type: 'exponential', factor: 0.5 })).toThrow(ConfigError);
    expect(() => checkRetryPolicy({ type: 'exponential', jitter: 2 })).toThrow(/retryPolicy.jitter/);
    expect(() => checkRetryPolicy({ type: 'sometimes' })).toThrow(/retryPolicy.type/);
    expect(() => checkRetryPolicy(42)).toThrow(ConfigError);
  });

  it('rejects delays past MAX_DURATION_MS and an infinite factor, naming the field', () => {
    const past = MAX_DURATION_MS + 1;
    expect(() => checkRetryPolicy({ type: 'fixed', delayMs: 1e20 })).toThrow(/retryPolicy\.delayMs .* from 0 to/);
    expect(() => checkRetryPolicy({ type: 'linear', delayMs: 1, maxDelayMs: past })).toThrow(/retryPolicy\.maxDelayMs/);
    expect(() => checkRetryPolicy({ type: 'exponential', initialDelayMs: past })).toThrow(
      /retryPolicy\.initialDelayMs/,
    );
    expect(() => checkRetryPolicy({ type: 'exponential', factor: Number.POSITIVE_INFINITY })).toThrow(
      /retryPolicy\.factor/,
    );
    const longest = { type: 'fixed', delayMs: MAX_DURATION_MS };
    expect(checkRetryPolicy(longest)).toBe(longest);
  });

  it('accepts every documented shape', () => {
    for (const policy of [{ type: 'none' }, { type: 'fixed', delayMs: 5 }, { type: 'linear', delayMs: 5 }, () => 1]) {
      expect(checkRetryPolicy(policy)).toBe(policy);
    }
  });
});
