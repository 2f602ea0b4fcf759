// protocol.ts: what a parent test and a server child process say to each other: the JSON spec a child is started
// with (which storage to open, which server config to run) and the messages it sends back over the IPC channel.
// Types only, so both sides agree without either importing the other.

import type { ErrorSource } from '../../events.js';
import type { JobState, JsonValue } from '../../job.js';
import type { ServerConfig } from '../../server/config.js';

/**
 * How a child process opens a backend's storage without core depending on the backend: `factory` is the absolute
 * path of a module that exports `createStorage(options)`, called with `options` as given here.
 */
export interface StorageSpec {
  /** Absolute path of the factory module (TypeScript is fine: children run under tsx). */
  factory: string;
  /** Passed to the factory as is; JSON only, since it crosses the process boundary. */
  options: { [key: string]: JsonValue };
}

/** The part of ServerConfig that survives JSON (no logger, no retry-policy function). */
export type ChildServerConfig = Omit<ServerConfig, 'logger' | 'retryPolicy' | 'serverName'>;

/** Everything a server child needs, passed as one JSON argument. */
export interface ServerChildSpec {
  /** Names the process in records and is its `serverName`; the `block` handler blocks only where it matches. */
  name: string;
  storage: StorageSpec;
  server: ChildServerConfig;
}

/** One execution of a test handler, reported as the handler starts. */
export interface RunRecord {
  jobId: string;
  method: string;
  attempt: number;
  /** The child's `ServerChildSpec.name`. */
  process: string;
  pid: number;
}

/** A message from a server child, in the order it happened there. */
export type ChildMessage =
  /** The server runs, and push wake-ups (where the backend has them) are live. */
  | { type: 'ready'; serverId: string; pid: number }
  | { type: 'record'; record: RunRecord }
  /** Every `stateChange` the child's server emitted (after it was persisted). */
  | { type: 'state'; jobId: string; from: JobState; to: JobState; attempt: number }
  | { type: 'error'; source: ErrorSource; message: string }
  /** A `block` handler's signal fired; `reason` is its JobAbortedError's (`cancel`, `leaseLost`, ...). */
  | { type: 'aborted'; jobId: string; reason: string }
  /** The child's server emitted `jobCancelled`. */
  | { type: 'jobCancelled'; jobId: string }
  /** The child's server logged a warning or an error. */
  | { type: 'log'; level: 'warn' | 'error'; message: string }
  | { type: 'serverDead'; serverId: string; jobIds: string[] }
  /** `server.stop()` resolved after a SIGTERM; the storage is closed next. */
  | { type: 'serverStopped' }
  /** `server.stop()` resolved after a SIGTERM and the storage is closed; the process exits next. */
  | { type: 'stopped' }
  /** The child could not start; it exits with code 1. */
  | { type: 'fatal'; message: string };

/** The type tag of a child message. */
export type ChildMessageType = ChildMessage['type'];
