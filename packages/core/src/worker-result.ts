// worker-result.ts: values a handler may return to steer its job instead of throwing. A value, not an error, so
// "retry later" is never confused with a failure.

/** Returned by a handler to retry the job at a chosen time (it still spends the attempt). */
export interface RetryRequest {
  readonly kind: 'retry';
  readonly delayMs: number;
}

export const WorkerResult = Object.freeze({
  /** Retry after `delayMs` (default 0) instead of by the retry policy. */
  retry(options: { delayMs?: number } = {}): RetryRequest {
    return Object.freeze({ kind: 'retry', delayMs: options.delayMs ?? 0 });
  },
  isRetry(value: unknown): value is RetryRequest {
    return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'retry';
  },
});
