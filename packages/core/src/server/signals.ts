// server/signals.ts: the process's one SIGTERM/SIGINT handler, shared by every started server that handles signals
// (`handleSignals`, on by default). The first signal stops them all gracefully and then lets the process exit; a second
// one exits at once. Kept on globalThis under a registered symbol, so two copies of jobsmith in one process (its ESM
// and CJS builds, or two versions) still share one handler and one notion of "already stopping".
import { constants } from 'node:os';
import type { Logger } from '../logger.js';

/** What the handler needs of a server. */
export interface SignalledServer {
  readonly id: string;
  readonly logger: Logger;
  stop(): Promise<void>;
}

/** The shared handler's surface; kept this small because another copy of jobsmith may have installed it. */
export interface SignalHandler {
  add(server: SignalledServer): void;
  remove(server: SignalledServer): void;
}

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
type HandledSignal = (typeof SIGNALS)[number];
const GLOBAL_KEY = Symbol.for('jobsmith.signalHandler');

/** The process's handler, created on first use. */
export function signalHandler(): SignalHandler {
  const holder = globalThis as { [GLOBAL_KEY]?: SignalHandler };
  holder[GLOBAL_KEY] ??= new ProcessSignalHandler();
  return holder[GLOBAL_KEY];
}

class ProcessSignalHandler implements SignalHandler {
  private readonly servers = new Set<SignalledServer>();
  private listening = false;
  /** Set between the first signal and the end of the stops it started. */
  private stopping: HandledSignal | null = null;
  private readonly listener = (signal: HandledSignal) => this.onSignal(signal);

  add(server: SignalledServer): void {
    this.servers.add(server);
    if (this.listening) return;
    for (const signal of SIGNALS) process.on(signal, this.listener);
    this.listening = true;
  }

  remove(server: SignalledServer): void {
    this.servers.delete(server);
    // While stopping, keep listening: a second signal must still exit at once.
    if (this.servers.size === 0 && this.stopping === null) this.unlisten();
  }

  private onSignal(signal: HandledSignal): void {
    const servers = [...this.servers];
    const logger = servers[0]?.logger;
    if (this.stopping !== null) {
      logger?.warn({ signal }, `${signal} again while stopping: exiting now; running jobs' leases will lapse`);
      process.exit(128 + constants.signals[signal]);
    }
    this.stopping = signal;
    logger?.info(
      { signal, servers: servers.map((server) => server.id) },
      `${signal}: stopping gracefully (send it again to exit at once)`,
    );
    void Promise.allSettled(servers.map((server) => server.stop())).then(() => this.stopped(signal));
  }

  /**
   * Every server stopped. Without a listener of the app's own, the process exits now (the app's pools and sockets
   * would otherwise keep it alive); with one, the app decides when to exit.
   */
  private stopped(signal: HandledSignal): void {
    this.stopping = null;
    // A server started again meanwhile keeps the process (and this handler) alive.
    if (this.servers.size > 0) return;
    this.unlisten();
    if (process.listenerCount(signal) === 0) process.exit();
  }

  private unlisten(): void {
    for (const signal of SIGNALS) process.off(signal, this.listener);
    this.listening = false;
  }
}
