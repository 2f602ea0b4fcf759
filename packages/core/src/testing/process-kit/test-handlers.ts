// test-handlers.ts: the handlers a server child runs, each reporting a RunRecord as it starts: `record` returns at
// once, `slow` takes `payload.ms`, `block` holds its job until its signal fires (stop, cancel, lost lease) or the
// process dies (only the latter with `ignoreSignal`), `hog` blocks its whole process's event loop for `payload.ms`.
// They only report and wait; what a run means is for the parent test to judge.
import type { Clock } from '../../clock.js';
import type { JobContext } from '../../registry.js';
import { WorkerRegistry } from '../../registry.js';
import type { RunRecord } from './protocol.js';

/** Payload of `slow`. */
export interface SlowPayload {
  /** How long the handler takes, in ms. */
  ms: number;
}

/** Payload of `block`. */
export interface BlockPayload {
  /** The process (ServerChildSpec.name) where the job blocks; anywhere else it behaves like `record`. */
  blockIn: string;
  /** Ignore the signal too: the handler never returns (an uncooperative handler; only its process's end stops it). */
  ignoreSignal?: boolean;
}

/** Payload of `hog`. */
export interface HogPayload {
  /** How long the handler blocks its process's event loop, in ms (no timer, renewal or I/O runs meanwhile). */
  ms: number;
}

/** The test handlers' method names. */
export const TEST_METHODS = Object.freeze({ record: 'record', slow: 'slow', block: 'block', hog: 'hog' });

/** What the handlers need from the child: its name, a clock to wait on, and where records go. */
export interface TestHandlerDeps {
  processName: string;
  clock: Clock;
  report(record: RunRecord): void;
  /** A `block` handler's signal fired with `reason` (the JobAbortedError's reason, else the reason's name). */
  reportAbort(jobId: string, reason: string): void;
}

/** A registry holding `record`, `slow`, `block` and `hog`. */
export function testRegistry(deps: TestHandlerDeps): WorkerRegistry {
  const started = (ctx: JobContext): void => {
    const { id, method } = ctx.job;
    deps.report({ jobId: id, method, attempt: ctx.attempt, process: deps.processName, pid: process.pid });
  };
  return new WorkerRegistry()
    .register(TEST_METHODS.record, async (_payload: unknown, ctx) => {
      started(ctx);
      return { pid: process.pid };
    })
    .register(TEST_METHODS.slow, async (payload: SlowPayload, ctx) => {
      started(ctx);
      await deps.clock.sleep(payload.ms, ctx.signal);
      ctx.signal.throwIfAborted();
      return { pid: process.pid };
    })
    .register(TEST_METHODS.block, async (payload: BlockPayload, ctx) => {
      started(ctx);
      if (payload.blockIn === deps.processName) {
        if (payload.ignoreSignal) await never();
        await untilAborted(ctx.signal, (reason) => deps.reportAbort(ctx.job.id, abortReason(reason)));
      }
      return { pid: process.pid };
    })
    .register(TEST_METHODS.hog, async (payload: HogPayload, ctx) => {
      started(ctx);
      blockEventLoop(payload.ms);
      return { pid: process.pid };
    });
}

/** Blocks this thread for `ms` without spinning (a wait on memory no one writes), as a long synchronous task would. */
function blockEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Never settles (a pending promise keeps no timer, so it holds nothing alive). */
function never(): Promise<never> {
  return new Promise(() => undefined);
}

/** What a fired signal says: the JobAbortedError's `reason`, or the name of whatever else aborted it. */
function abortReason(reason: unknown): string {
  if (typeof reason === 'object' && reason !== null) {
    const { reason: why, name } = reason as { reason?: unknown; name?: unknown };
    if (typeof why === 'string') return why;
    if (typeof name === 'string') return name;
  }
  return String(reason);
}

/**
 * Never resolves: rejects with the signal's reason once it fires, as a cooperative handler would, after telling
 * `onAbort` (at once, so the parent's clock sees the abort, not the run's end).
 */
function untilAborted(signal: AbortSignal, onAbort: (reason: unknown) => void): Promise<never> {
  return new Promise((_resolve, reject) => {
    const aborted = () => {
      onAbort(signal.reason);
      reject(signal.reason);
    };
    if (signal.aborted) aborted();
    else signal.addEventListener('abort', aborted, { once: true });
  });
}
