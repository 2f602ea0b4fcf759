// retry.ts: how long to wait before the next attempt. Pure functions of (policy, attempt, random); the executor
// decides whether attempts remain, this file only decides when.
import { ConfigError } from './errors.js';
import type { Job } from './job.js';
import { MAX_DURATION_MS } from './validation.js';

/** Delays grow by `factor` each attempt: initialDelayMs, initialDelayMs * factor, ... capped at maxDelayMs. */
export interface ExponentialRetry {
  type: 'exponential';
  /** Delay after the first attempt. @defaultValue 1000 */
  initialDelayMs?: number;
  /** @defaultValue 2 */
  factor?: number;
  /** @defaultValue 900000 (15 minutes) */
  maxDelayMs?: number;
  /** Fraction of random spread either side, so retries of many jobs do not stampede. @defaultValue 0.25 */
  jitter?: number;
}

/** The same delay every time. */
export interface FixedRetry {
  type: 'fixed';
  delayMs: number;
  /** @defaultValue 0 */
  jitter?: number;
}

/** delayMs * attempt, capped at maxDelayMs. */
export interface LinearRetry {
  type: 'linear';
  delayMs: number;
  /** @defaultValue 900000 */
  maxDelayMs?: number;
  /** @defaultValue 0 */
  jitter?: number;
}

/** Never retry: the first failure is final. */
export interface NoRetry {
  type: 'none';
}

/**
 * A custom policy: the delay in ms before the next attempt, or null to fail now. A delay that is not a finite number,
 * or that would put the retry past 9999-12-31T23:59:59.999Z, is a bug in the policy: the job fails at once (it is
 * never clamped into a retry in the far future), with a ValidationError naming the delay as its lastError.
 */
export type RetryDelayFunction = (attempt: number, error: unknown, job: Job) => number | null;

export type RetryPolicy = ExponentialRetry | FixedRetry | LinearRetry | NoRetry | RetryDelayFunction;

export const DEFAULT_RETRY_POLICY: Readonly<Required<ExponentialRetry>> = Object.freeze({
  type: 'exponential',
  initialDelayMs: 1000,
  factor: 2,
  maxDelayMs: 900_000,
  jitter: 0.25,
});

/**
 * Delay in ms before retrying after `attempt` (1-based) failed, or null when the policy says fail now.
 * `random` returns [0, 1) and is injectable for deterministic tests.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  error: unknown,
  job: Job,
  random: () => number = Math.random,
): number | null {
  if (typeof policy === 'function') {
    const delay = policy(attempt, error, job);
    return delay === null ? null : Math.max(0, Math.ceil(delay));
  }
  switch (policy.type) {
    case 'none':
      return null;
    case 'fixed':
      return withJitter(policy.delayMs, policy.jitter ?? 0, random);
    case 'linear':
      return withJitter(Math.min(policy.delayMs * attempt, policy.maxDelayMs ?? 900_000), policy.jitter ?? 0, random);
    case 'exponential': {
      const p = { ...DEFAULT_RETRY_POLICY, ...policy };
      // 0 * Infinity is NaN: a zero initial delay stays zero however far the factor grows.
      const grown = p.initialDelayMs === 0 ? 0 : p.initialDelayMs * p.factor ** Math.max(0, attempt - 1);
      const base = Math.min(grown, p.maxDelayMs);
      return withJitter(base, p.jitter, random);
    }
  }
}

function withJitter(delayMs: number, jitter: number, random: () => number): number {
  if (jitter === 0) return Math.ceil(delayMs);
  return Math.max(0, Math.ceil(delayMs * (1 + jitter * (2 * random() - 1))));
}

/** Throws ConfigError (field `retryPolicy...`) for a malformed policy. */
export function checkRetryPolicy(policy: unknown, field = 'retryPolicy'): RetryPolicy {
  if (typeof policy === 'function') return policy as RetryDelayFunction;
  if (policy === null || typeof policy !== 'object') {
    throw new ConfigError(field, "must be a function or { type: 'exponential' | 'fixed' | 'linear' | 'none' }", policy);
  }
  const p = policy as Record<string, unknown>;
  const checkMs = (key: string, required: boolean) => {
    const value = p[key];
    if (value === undefined && !required) return;
    if (typeof value !== 'number' || !(value >= 0 && value <= MAX_DURATION_MS)) {
      throw new ConfigError(`${field}.${key}`, `must be a number of milliseconds from 0 to ${MAX_DURATION_MS}`, value);
    }
  };
  const checkJitter = () => {
    const value = p.jitter;
    if (value !== undefined && (typeof value !== 'number' || !(value >= 0 && value <= 1))) {
      throw new ConfigError(`${field}.jitter`, 'must be a number from 0 to 1', value);
    }
  };
  switch (p.type) {
    case 'none':
      return policy as NoRetry;
    case 'fixed':
      checkMs('delayMs', true);
      checkJitter();
      return policy as FixedRetry;
    case 'linear':
      checkMs('delayMs', true);
      checkMs('maxDelayMs', false);
      checkJitter();
      return policy as LinearRetry;
    case 'exponential':
      checkMs('initialDelayMs', false);
      checkMs('maxDelayMs', false);
      if (p.factor !== undefined && (typeof p.factor !== 'number' || !(p.factor >= 1 && Number.isFinite(p.factor)))) {
        throw new ConfigError(`${field}.factor`, 'must be a finite number >= 1', p.factor);
      }
      checkJitter();
      return policy as ExponentialRetry;
    default:
      throw new ConfigError(`${field}.type`, "must be 'exponential', 'fixed', 'linear' or 'none'", p.type);
  }
}
