// busy-wait.test.ts: a busy attempt is retried after short, growing, jittered pauses until the budget is spent;
// any other error, and a busy one past the budget, is thrown as it came.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BUSY_RETRY_MAX_DELAY_MS, busyRetryDelayMs, isBusyError, retryWhileBusy } from './busy-wait.js';

function sqliteError(code: string): Error {
  return Object.assign(new Error(code === 'SQLITE_BUSY' ? 'database is locked' : code), { code });
}

describe('isBusyError', () => {
  it('matches SQLITE_BUSY and its extended codes only', () => {
    expect(isBusyError(sqliteError('SQLITE_BUSY'))).toBe(true);
    expect(isBusyError(sqliteError('SQLITE_BUSY_SNAPSHOT'))).toBe(true);
    expect(isBusyError(sqliteError('SQLITE_LOCKED'))).toBe(false);
    expect(isBusyError(new Error('database is locked'))).toBe(false);
    expect(isBusyError(null)).toBe(false);
  });
});

describe('busyRetryDelayMs', () => {
  it('doubles from 1 ms up to the cap, jittered down to half at most', () => {
    expect([0, 1, 2, 3, 10].map((retry) => busyRetryDelayMs(retry, () => 1))).toEqual([1, 2, 4, 8, 50]);
    expect([0, 1, 2, 3, 10].map((retry) => busyRetryDelayMs(retry, () => 0))).toEqual([0.5, 1, 2, 4, 25]);
    expect(busyRetryDelayMs(1_000)).toBeLessThanOrEqual(BUSY_RETRY_MAX_DELAY_MS);
  });
});

describe('retryWhileBusy', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the first attempt before it yields', async () => {
    let attempts = 0;
    const result = retryWhileBusy(() => ++attempts, 100);
    expect(attempts).toBe(1);
    await expect(result).resolves.toBe(1);
  });

  it('retries a busy attempt until it succeeds', async () => {
    let attempts = 0;
    const result = retryWhileBusy(() => {
      attempts += 1;
      if (attempts < 4) throw sqliteError('SQLITE_BUSY');
      return 'done';
    }, 1_000);
    await vi.advanceTimersByTimeAsync(20);
    await expect(result).resolves.toBe('done');
    expect(attempts).toBe(4);
  });

  it('throws any other error at once', async () => {
    let attempts = 0;
    const failure = sqliteError('SQLITE_CONSTRAINT');
    await expect(
      retryWhileBusy(() => {
        attempts += 1;
        throw failure;
      }, 1_000),
    ).rejects.toBe(failure);
    expect(attempts).toBe(1);
  });

  it('throws the last busy error once the budget is spent, never sleeping past it', async () => {
    let attempts = 0;
    const busy = sqliteError('SQLITE_BUSY');
    const outcome = retryWhileBusy(() => {
      attempts += 1;
      throw busy;
    }, 200).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(199);
    const attemptsBeforeDeadline = attempts;
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toBe(busy);
    expect(attempts).toBe(attemptsBeforeDeadline + 1);
    // 1 + 2 + 4 + ... then every 25-50 ms: a handful of attempts, not a spin.
    expect(attempts).toBeGreaterThan(4);
    expect(attempts).toBeLessThan(20);
  });
});
