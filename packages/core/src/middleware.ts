// middleware.ts: Koa-style wrappers around every job execution. The first registered runs outermost; each may act
// before and after `next()`, short-circuit by not calling it, or transform what it returns.
import { type Clock, systemClock } from './clock.js';
import { JobsmithError } from './errors.js';
import type { Logger } from './logger.js';
import type { JobContext } from './registry.js';

/** Runs around a job's handler; `next()` runs the rest of the chain and resolves to the handler's result. */
export type Middleware = (ctx: JobContext, next: () => Promise<unknown>) => Promise<unknown>;

/** A composed chain: runs every middleware around `handler`. */
export type MiddlewareChain = (ctx: JobContext, handler: () => Promise<unknown>) => Promise<unknown>;

/** Composes `middleware` (first = outermost) into one chain. A middleware that calls `next()` twice gets a rejection. */
export function composeMiddleware(middleware: readonly Middleware[]): MiddlewareChain {
  const chain = [...middleware];
  if (chain.length === 0) return (_ctx, handler) => handler();
  return (ctx, handler) => {
    const dispatch = (index: number): Promise<unknown> => {
      const current = chain[index];
      if (current === undefined) return handler();
      let called = false;
      const next = (): Promise<unknown> => {
        if (called) return Promise.reject(new JobsmithError(`middleware #${index + 1} called next() more than once`));
        called = true;
        return dispatch(index + 1);
      };
      try {
        return Promise.resolve(current(ctx, next));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    return dispatch(0);
  };
}

/** Options of `loggingMiddleware`. */
export interface LoggingMiddlewareOptions {
  /** Where to log. @defaultValue the job's `ctx.log` */
  logger?: Logger;
  /** Measures durations. @defaultValue systemClock */
  clock?: Clock;
}

/** Logs each execution's start (debug) and its end with duration (info on success, warn on a throw). */
export function loggingMiddleware(options: LoggingMiddlewareOptions = {}): Middleware {
  const clock = options.clock ?? systemClock;
  return async (ctx, next) => {
    const log = options.logger ?? ctx.log;
    const fields = { jobId: ctx.job.id, method: ctx.job.method, attempt: ctx.attempt };
    const startedAt = clock.now().getTime();
    log.debug(fields, 'job started');
    try {
      const result = await next();
      log.info({ ...fields, durationMs: clock.now().getTime() - startedAt }, 'job finished');
      return result;
    } catch (error) {
      log.warn({ ...fields, durationMs: clock.now().getTime() - startedAt, error }, 'job threw');
      throw error;
    }
  };
}
