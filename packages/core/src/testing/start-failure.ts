// start-failure.ts: what a backend's fail-fast tests share: start a server on a storage that cannot be used, and
// report what start() rejected with, how long it took, and whether the server was left running. It always stops the
// server and closes the storage, so a test only asserts.
import { silentLogger } from '../logger.js';
import { WorkerRegistry } from '../registry.js';
import { BackgroundJobServer } from '../server/server.js';
import type { Storage } from '../storage.js';

/** How a start() on an unusable store ended. */
export interface StartFailure {
  /** What start() rejected with; null if it resolved. */
  error: unknown;
  /** From the start() call to its settling, in ms. */
  tookMs: number;
  /** `server.isRunning()` right after start() settled: a failed start must leave it false. */
  running: boolean;
}

/** Starts a quiet server on `storage` and reports how start() ended; stops the server and closes the storage. */
export async function startServerOn(storage: Storage): Promise<StartFailure> {
  const server = new BackgroundJobServer({ logger: silentLogger }, storage, new WorkerRegistry());
  const startedAt = performance.now();
  try {
    const error = await server.start().then(
      () => null,
      (failure: unknown) => failure,
    );
    return { error, tookMs: performance.now() - startedAt, running: server.isRunning() };
  } finally {
    await server.stop();
    await storage.close();
  }
}
