// worker-result.ts: values a handler may return to steer its job instead of throwing. A value, not an error, so
// "retry later" or "not yet" is never confused with a failure.
import { checkDuration } from './validation.js';

/** Returned by a handler to retry the job at a chosen time (it still spends the attempt). */
export interface RetryRequest {
  readonly kind: 'retry';
  readonly delayMs: number;
}

/** Returned by a handler to put the job back to `scheduled` for later, refunding the attempt it ran under. */
export interface SnoozeRequest {
  readonly kind: 'snooze';
  readonly delayMs: number;
}

export const WorkerResult = Object.freeze({
  /**
   * Retry after `delayMs` (default 0; fractions round up) instead of by the retry policy. A `delayMs` that is not a
   * finite number from 0 to 31557600000000 (1,000 years) throws a ValidationError naming `options.delayMs`, which
   * fails the attempt like any error the handler throws.
   */
  retry(options: { delayMs?: number } = {}): RetryRequest {
    const { delayMs } = options;
    return Object.freeze({
      kind: 'retry',
      delayMs: delayMs === undefined ? 0 : checkDuration('WorkerResult.retry', 'options.delayMs', delayMs),
    });
  },
  isRetry(value: unknown): value is RetryRequest {
    return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'retry';
  },
  /**
   * Run the job again after `delayMs` (default 0; fractions round up) without spending an attempt: it goes back to
   * `scheduled` with its attempt refunded, so `maxAttempts` never stops a job that only waits for something. A
   * `delayMs` that `retry` refuses throws the same ValidationError (naming `options.delayMs`), failing the attempt.
   */
  snooze(options: { delayMs?: number } = {}): SnoozeRequest {
    const { delayMs } = options;
    return Object.freeze({
      kind: 'snooze',
      delayMs: delayMs === undefined ? 0 : checkDuration('WorkerResult.snooze', 'options.delayMs', delayMs),
    });
  },
  isSnooze(value: unknown): value is SnoozeRequest {
    return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'snooze';
  },
});
