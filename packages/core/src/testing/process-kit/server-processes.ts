// server-processes.ts: the parent side of a multi-process test: starts server children over one store, waits
// (bounded) for conditions on what they report, and kills whatever is left at the end. Real time on purpose: the
// children are real OS processes, so no clock can stand in; every wait ends at the event it waits for or fails.
import type { ChildServerConfig, RunRecord, StorageSpec } from './protocol.js';
import { type ProcessExit, ServerProcess } from './server-process.js';

export interface ServerProcessesOptions {
  /** How every child opens the shared store. */
  storage: StorageSpec;
  /** Working directory of the children (where `tsx` resolves). @defaultValue process.cwd() */
  cwd?: string;
  /** Longest wait for a child's `ready`, in ms (loading TypeScript on a busy machine takes seconds). @defaultValue 30000 */
  startTimeoutMs?: number;
}

/** Bound of a `waitUntil` (and of a start) without its own, in ms. */
const DEFAULT_WAIT_MS = 30_000;

/** A set of server children over one store. */
export class ServerProcesses {
  readonly processes: ServerProcess[] = [];
  private readonly options: ServerProcessesOptions;
  private readonly watchers = new Set<() => void>();

  constructor(options: ServerProcessesOptions) {
    this.options = options;
  }

  /**
   * Spawns a server child named `name` and resolves once it is `ready`; rejects if it fails or exits first.
   * `options.storage` opens the store differently for this child only (another route to it, a skewed clock).
   */
  async start(
    name: string,
    server: ChildServerConfig = {},
    options: { storage?: StorageSpec } = {},
  ): Promise<ServerProcess> {
    const spec = { name, storage: options.storage ?? this.options.storage, server };
    const started = new ServerProcess(spec, this.options.cwd ?? process.cwd(), () => this.changed());
    this.processes.push(started);
    await this.waitUntil(() => started.serverId !== null, `process ${name} to be ready`, {
      timeoutMs: this.options.startTimeoutMs ?? DEFAULT_WAIT_MS,
    });
    return started;
  }

  /** Every handler execution any child reported. */
  get records(): RunRecord[] {
    return this.processes.flatMap((child) => child.records);
  }

  /**
   * Resolves once `condition` holds, re-checking after every message and exit of any child. Rejects after
   * `timeoutMs`, or as soon as a child exits without being signalled, with what each child did.
   */
  waitUntil(condition: () => boolean, what: string, { timeoutMs = DEFAULT_WAIT_MS } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      const finish = (error?: Error) => {
        clearTimeout(timer);
        this.watchers.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const check = () => {
        if (condition()) return finish();
        const crashed = this.processes.find((child) => child.exitedUnexpectedly);
        if (crashed) finish(this.failure(`process ${crashed.name} exited while waiting for ${what}`));
      };
      const timer = setTimeout(
        () => finish(this.failure(`timed out after ${timeoutMs} ms waiting for ${what}`)),
        timeoutMs,
      );
      timer.unref();
      this.watchers.add(check);
      check();
    });
  }

  /**
   * Graceful stop: SIGTERM, then resolves once the child has run `server.stop()`, said `stopped` and exited 0;
   * rejects otherwise.
   */
  async stop(child: ServerProcess): Promise<void> {
    const exit = await child.kill('SIGTERM');
    const stopped = child.messages.some((message) => message.type === 'stopped');
    if (!stopped || exit.code !== 0) throw this.failure(`process ${child.name} did not stop gracefully`);
  }

  /** SIGKILLs every child still running and waits until all are gone. */
  async killAll(): Promise<ProcessExit[]> {
    return Promise.all(this.processes.map((child) => child.kill('SIGKILL')));
  }

  private changed(): void {
    for (const check of [...this.watchers]) check();
  }

  private failure(message: string): Error {
    return new Error([message, ...this.processes.map((child) => child.describe())].join('\n'));
  }
}
