// child-runtime.ts: the body of a server child process: opens the storage its spec names (through the caller's
// factory module, so core depends on no backend), runs a BackgroundJobServer with the test handlers, reports
// readiness, records and server events to the parent over IPC, and stops gracefully on SIGTERM. No assertions here.
import { pathToFileURL } from 'node:url';
import { consoleLogger, type Logger } from '../../logger.js';
import { BackgroundJobServer } from '../../server/server.js';
import type { Storage } from '../../storage.js';
import type { ChildMessage, ServerChildSpec, StorageSpec } from './protocol.js';
import { holdLivePush } from './push-ready.js';
import { testRegistry } from './test-handlers.js';

type Send = (message: ChildMessage) => Promise<void>;

/**
 * Runs one server child to the end of its life: `ready` once the server runs (and push is live), then records and
 * events until SIGTERM (graceful stop: `serverStopped`, storage closed, `stopped`, exit 0) or SIGKILL. A failure to
 * start sends `fatal`, exits 1. With `handleSignals: true` in the spec the server's own handler takes SIGTERM instead
 * (stop, then exit; no `serverStopped`/`stopped` messages).
 */
export async function runServerChild(spec: ServerChildSpec): Promise<void> {
  const send = ipcSender();
  // The parent is the only reason to live: if it goes (a crashed test run), go too rather than linger.
  process.on('disconnect', () => process.exit(1));
  let storage: Storage | null = null;
  try {
    storage = await openStorage(spec.storage);
    await storage.migrate();
    const server = await startServer(spec, storage, send);
    // As an app would: either the server's own signal handling (`handleSignals: true` in the spec), or this one,
    // which also closes the storage and reports each step to the parent.
    if (!server.config.handleSignals) {
      process.once('SIGTERM', () => {
        stopAndExit(server, send).catch((error: unknown) => fail(send, error));
      });
    }
    await send({ type: 'ready', serverId: server.id, pid: process.pid });
  } catch (error) {
    await storage?.close().catch(() => undefined);
    await fail(send, error);
  }
}

/** Builds the storage with the spec's factory module: `export function createStorage(options): Storage`. */
async function openStorage(spec: StorageSpec): Promise<Storage> {
  const factory = (await import(pathToFileURL(spec.factory).href)) as { createStorage?: unknown };
  if (typeof factory.createStorage !== 'function') {
    throw new TypeError(`storage.factory ${spec.factory} must export a function createStorage(options)`);
  }
  return (await factory.createStorage(spec.options)) as Storage;
}

async function startServer(spec: ServerChildSpec, storage: Storage, send: Send): Promise<BackgroundJobServer> {
  const registry = testRegistry({
    processName: spec.name,
    clock: storage.clock,
    report: (record) => void send({ type: 'record', record }),
    reportAbort: (jobId, reason) => void send({ type: 'aborted', jobId, reason }),
  });
  const logger = forwardingLogger(send);
  const config = { handleSignals: false, ...spec.server, serverName: spec.name, logger };
  const server = new BackgroundJobServer(config, storage, registry);
  forwardEvents(server, send);
  const releasePush = await holdLivePush(storage);
  try {
    await server.start();
  } finally {
    releasePush();
  }
  return server;
}

/** Every persisted transition, every survived error and every dead peer goes to the parent. */
function forwardEvents(server: BackgroundJobServer, send: Send): void {
  server.on('stateChange', (e) => {
    void send({ type: 'state', jobId: e.jobId, from: e.from, to: e.to, attempt: e.job.attempt });
  });
  server.on('error', (e) => {
    void send({ type: 'error', source: e.source, message: describe(e.error) });
  });
  server.on('serverDead', (e) => {
    void send({ type: 'serverDead', serverId: e.serverId, jobIds: e.jobs.map((job) => job.id) });
  });
  server.on('jobCancelled', (e) => {
    void send({ type: 'jobCancelled', jobId: e.jobId });
  });
}

/** The console from `warn` up, each warning and error also sent to the parent, so a test can say none was logged. */
function forwardingLogger(send: Send): Logger {
  const console = consoleLogger('warn');
  const forward =
    (level: 'warn' | 'error') =>
    (fields: Record<string, unknown>, message: string): void => {
      console[level](fields, message);
      void send({ type: 'log', level, message });
    };
  return { ...console, warn: forward('warn'), error: forward('error') };
}

async function stopAndExit(server: BackgroundJobServer, send: Send): Promise<void> {
  await server.stop();
  await send({ type: 'serverStopped' });
  await server.storage.close();
  await send({ type: 'stopped' });
  process.exit(0);
}

async function fail(send: Send, error: unknown): Promise<never> {
  await send({ type: 'fatal', message: describe(error) });
  process.exit(1);
}

/** Sends over the IPC channel; resolves once the message is handed to the OS (so an exit right after loses none). */
function ipcSender(): Send {
  if (typeof process.send !== 'function') {
    throw new Error('a server child must be spawned with an IPC channel (stdio "ipc")');
  }
  const sendRaw = process.send.bind(process);
  return (message) =>
    new Promise((resolve) => {
      if (!process.connected) return resolve();
      sendRaw(message, undefined, {}, () => resolve());
    });
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
