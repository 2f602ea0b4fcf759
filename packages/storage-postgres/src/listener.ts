// listener.ts: the storage's one dedicated LISTEN connection, opened on the first subscribe. It hands each
// notification's payload (a queue name, or a cancelled job's id) to every subscriber and, when the connection drops,
// reconnects and LISTENs again with jittered backoff. Failures go to onError; nothing is ever thrown out of its loop.
import { systemClock } from '@jobsmith/core';
import {
  deliverPushMessage,
  type JobAvailableListener,
  type JobCancelledListener,
  type PushListeners,
} from '@jobsmith/core/storage';
import pg from 'pg';

export interface NotificationListenerOptions {
  /** How to open the connection (the storage's own connection settings). */
  clientConfig: pg.ClientConfig;
  /** The bound `LISTEN "<schema>_jobs"` statement. */
  listenStatement: string;
  /** Wraps a driver error for onError (a StorageError naming `subscribe`). */
  wrapError: (cause: unknown) => Error;
  onError: (error: Error) => void;
}

/** First reconnect delay after a drop, doubled per failed attempt up to RECONNECT_MAX_MS, each ±25 % jitter. */
const RECONNECT_INITIAL_MS = 100;
const RECONNECT_MAX_MS = 5_000;
/**
 * How long ending the connection may take before it is cut: a graceful end waits for the server's answer, which an
 * unreachable store never sends, and close() must not hang on it. A reachable server answers within milliseconds.
 */
const END_GRACE_MS = 250;

export class NotificationListener {
  // Each subscription is its own entry, so subscribing one function twice needs two unsubscribes.
  private readonly subscribers = new Set<PushListeners>();
  private readonly stopped = new AbortController();
  private loop: Promise<void> | null = null;
  private client: pg.Client | null = null;

  constructor(private readonly options: NotificationListenerOptions) {}

  /** Adds a subscriber (opening the connection on first use); returns its unsubscribe. */
  subscribe(onJobAvailable: JobAvailableListener, onJobCancelled?: JobCancelledListener): () => void {
    if (this.stopped.signal.aborted) return () => {};
    const entry: PushListeners = { onJobAvailable, onJobCancelled };
    this.subscribers.add(entry);
    this.loop ??= this.run();
    return () => {
      this.subscribers.delete(entry);
    };
  }

  /** Stops reconnecting and closes the connection (cut after END_GRACE_MS when the store does not answer). */
  async close(): Promise<void> {
    this.stopped.abort();
    this.subscribers.clear();
    if (this.client) await endWithin(this.client, END_GRACE_MS);
    await this.loop;
  }

  // Real time on purpose: reconnecting is about the network, and a storage on a ManualClock must still reconnect.
  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped.signal.aborted) {
      const listened = await this.listenUntilDropped();
      failures = listened ? 0 : failures + 1;
      if (this.stopped.signal.aborted) return;
      await systemClock.sleep(reconnectDelayMs(failures), this.stopped.signal);
    }
  }

  /**
   * Connects, LISTENs, and resolves when the connection ends: true if it was listening, false if setup failed. The
   * connect and the LISTEN are bounded by the config's connectionTimeoutMillis and query_timeout (options.ts sets both).
   */
  private async listenUntilDropped(): Promise<boolean> {
    const client = new pg.Client({ ...this.options.clientConfig, keepAlive: true });
    this.client = client;
    const ended = new Promise<void>((resolve) => client.once('end', resolve));
    client.on('error', (error) => this.report(error));
    client.on('notification', (message) => this.deliver(message.payload));
    try {
      await client.connect();
      await client.query(this.options.listenStatement);
    } catch (error) {
      this.report(error);
      await endWithin(client, END_GRACE_MS);
      return false;
    }
    if (this.stopped.signal.aborted) await endWithin(client, END_GRACE_MS);
    await ended;
    return true;
  }

  private deliver(payload: string | undefined): void {
    if (payload === undefined) return;
    for (const entry of [...this.subscribers]) {
      if (!this.subscribers.has(entry)) continue;
      try {
        deliverPushMessage(payload, entry);
      } catch (error) {
        this.emit(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  /** Reports a connection failure, unless it is the storage closing the connection on purpose. */
  private report(cause: unknown): void {
    if (!this.stopped.signal.aborted) this.emit(this.options.wrapError(cause));
  }

  private emit(error: Error): void {
    try {
      this.options.onError(error);
    } catch {
      // An onError that throws must not take the notification handler or the reconnect loop down with it.
    }
  }
}

/** Ends `client` gracefully, or cuts its socket when that takes over `graceMs`; never rejects. */
async function endWithin(client: pg.Client, graceMs: number): Promise<void> {
  const settled = new AbortController();
  const ended = client.end().then(
    () => true,
    () => true,
  );
  const isEnded = await Promise.race([ended, systemClock.sleep(graceMs, settled.signal).then(() => false)]);
  settled.abort();
  if (!isEnded) client.connection.stream.destroy();
  await ended;
}

function reconnectDelayMs(failures: number): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_INITIAL_MS * 2 ** failures);
  return base * (0.75 + Math.random() * 0.5);
}
