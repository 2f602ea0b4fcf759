// test-handlers.ts: the handlers a server child runs, each reporting a RunRecord as it starts: `record` returns at
// once, `slow` takes `payload.ms`, `block` holds its job until its signal fires (stop, cancel, lost lease) or the
// process dies. They only report and wait; what a run means is for the parent test to judge.
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
}

/** The test handlers' method names. */
export const TEST_METHODS = Object.freeze({ record: 'record', slow: 'slow', block: 'block' });

/** What the handlers need from the child: its name, a clock to wait on, and where records go. */
export interface TestHandlerDeps {
  processName: string;
  clock: Clock;
  report(record: RunRecord): void;
}

/** A registry holding `record`, `slow` and `block`. */
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
      if (payload.blockIn === deps.processName) await untilAborted(ctx.signal);
      return { pid: process.pid };
    });
}

/** Never resolves: rejects with the signal's reason once it fires, as a cooperative handler would. */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
