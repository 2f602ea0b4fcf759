// registry.ts: maps method names to handlers, and defines what a handler receives. The server looks handlers up
// here; a job whose method is not registered fails through the normal retry path.
import { ValidationError } from './errors.js';
import type { Job, JsonValue } from './job.js';
import type { Logger } from './logger.js';
import { checkName } from './validation.js';
import type { RetryRequest } from './worker-result.js';

/** What a handler gets besides its payload. */
export interface JobContext<P = unknown> {
  /** The job as claimed (state `processing`). */
  job: Job<P>;
  /** 1-based execution number. */
  attempt: number;
  /** Fires on server stop, on timeout, on cancel and when the lease is lost. */
  signal: AbortSignal;
  log: Logger;
  /** Stores a progress figure on the job (fenced by the lease). */
  progress(value: number): Promise<void>;
}

/** A job handler: return to succeed (the JSON-serializable result is stored), throw to retry or fail. */
export type JobHandler<P = unknown, R = unknown> = (
  payload: P,
  ctx: JobContext<P>,
) => Promise<R | RetryRequest> | R | RetryRequest;

/** A handler as an object, for classes that carry their own dependencies. */
export interface Worker<P = unknown, R = unknown> {
  readonly method: string;
  execute(payload: P, ctx: JobContext<P>): Promise<R | RetryRequest> | R | RetryRequest;
}

/** A typed handle from `defineJob`: `client.enqueue(handle, payload)` type-checks the payload. */
export interface JobHandle<P = JsonValue, R = unknown> {
  readonly method: string;
  readonly handler: JobHandler<P, R>;
}

/** Declares a job type once, for both the registry and typed enqueues. */
export function defineJob<P = JsonValue, R = unknown>(method: string, handler: JobHandler<P, R>): JobHandle<P, R> {
  checkName('defineJob', 'method', method);
  if (typeof handler !== 'function') throw new ValidationError('defineJob', 'handler', 'must be a function', handler);
  return Object.freeze({ method, handler });
}

export class WorkerRegistry {
  private readonly handlers = new Map<string, JobHandler>();

  register<P, R>(method: string, handler: JobHandler<P, R>): this;
  register<P, R>(worker: Worker<P, R> | JobHandle<P, R>): this;
  register<P, R>(target: string | Worker<P, R> | JobHandle<P, R>, handler?: JobHandler<P, R>): this {
    const [method, fn] = resolveRegistration(target, handler);
    if (this.handlers.has(method)) {
      throw new ValidationError('register', 'method', 'is already registered', method);
    }
    this.handlers.set(method, fn as JobHandler);
    return this;
  }

  get(method: string): JobHandler | undefined {
    return this.handlers.get(method);
  }

  has(method: string): boolean {
    return this.handlers.has(method);
  }

  /** Registered method names, in registration order. */
  methods(): string[] {
    return [...this.handlers.keys()];
  }
}

function resolveRegistration<P, R>(
  target: string | Worker<P, R> | JobHandle<P, R>,
  handler: JobHandler<P, R> | undefined,
): [string, JobHandler<P, R>] {
  if (typeof target === 'string') {
    checkName('register', 'method', target);
    if (typeof handler !== 'function') throw new ValidationError('register', 'handler', 'must be a function', handler);
    return [target, handler];
  }
  if (target === null || typeof target !== 'object') {
    throw new ValidationError(
      'register',
      'worker',
      'must be a method name, a worker object or a defineJob handle',
      target,
    );
  }
  checkName('register', 'worker.method', target.method);
  if ('execute' in target && typeof target.execute === 'function') {
    return [target.method, (payload, ctx) => target.execute(payload, ctx)];
  }
  if ('handler' in target && typeof target.handler === 'function') return [target.method, target.handler];
  throw new ValidationError('register', 'worker.execute', 'must be a function');
}
