// connection.ts: the command connection (owned, or the app's) and the lazily created pub/sub connection. Owns the
// fail-fast rule: until a first connection succeeds, a failed connect rejects at once instead of retrying forever,
// and a first connection that gets no answer rejects after a bound. Owned connections time their commands out, and
// the owned command connection holds the process only while a call is under way (a producer may end without close()).

import {
  deliverPushMessage,
  type JobAvailableListener,
  type JobCancelledListener,
  type PushListeners,
} from '@jobsmith/core/storage';
import { type Cluster, Redis } from 'ioredis';
import { unreachableError } from './errors.js';
import type { ResolvedRedisOptions } from './options.js';

/** Bound on a TCP connect, so a black-holed host fails within seconds. */
const CONNECT_TIMEOUT_MS = 3_000;
/**
 * Bound on the handshake after it (AUTH, SELECT, the ready check) of an app-owned client, whose commands may have no
 * timeout; an owned client's handshake is bounded by commandTimeoutMs.
 */
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long close() lets QUIT go unanswered before dropping the connection: a Redis that hangs must not hold it. */
const QUIT_TIMEOUT_MS = 500;
/**
 * How long a dropped connection waits for the server to close its side before its socket is destroyed (ioredis's
 * default, 2 s, kept a process alive that long after close() when Redis did not answer).
 */
const DISCONNECT_TIMEOUT_MS = 200;
/** Reconnect attempts a command waits through after the first connection, before it rejects. */
const MAX_RETRIES_PER_REQUEST = 5;

/** Reconnect delay after the first connection: 100 ms more per attempt, capped at 2 s. */
const backoff = (attempt: number): number => Math.min(attempt * 100, 2_000);

type Client = Redis | Cluster;

/** By ioredis's own flag, not instanceof: an app's client may come from another copy of ioredis. */
const isCluster = (client: Client): client is Cluster => client.isCluster;

function describeEndpoint(client: Client): string {
  if (isCluster(client)) return 'Redis Cluster';
  return client.options.path ?? `${client.options.host ?? '127.0.0.1'}:${client.options.port ?? 6379}`;
}

/**
 * Quits a connection that is up, dropping it if QUIT is not answered within QUIT_TIMEOUT_MS; drops one that is not up
 * (quit would first connect a lazy one).
 */
async function shutdown(client: Client): Promise<void> {
  if (client.status !== 'ready') return void client.disconnect();
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<'gave up'>((resolve) => {
    timer = setTimeout(() => resolve('gave up'), QUIT_TIMEOUT_MS);
    timer.unref();
  });
  try {
    if ((await Promise.race([client.quit(), gaveUp])) === 'gave up') client.disconnect();
  } catch {
    client.disconnect();
  } finally {
    clearTimeout(timer);
  }
}

/** What a first connection that got no answer within `ms` rejects with (the endpoint is added by the caller). */
const noAnswer = (ms: number): Error => new Error(`no answer within ${ms} ms`);

/**
 * Resolves at the client's next 'ready'; rejects at its next 'error', at 'end' (the app closed it), or after
 * `timeoutMs` without either.
 */
function firstConnection(client: Client, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: unknown): void => {
      clearTimeout(timer);
      client.off('ready', onReady).off('error', onError).off('end', onEnd);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onReady = (): void => settle();
    const onError = (error: unknown): void => settle(error);
    const onEnd = (): void => settle(new Error('the connection was closed'));
    const timer = setTimeout(() => settle(noAnswer(timeoutMs)), timeoutMs);
    timer.unref();
    client.once('ready', onReady).once('error', onError).once('end', onEnd);
  });
}

/** `connecting`, or a rejection after `timeoutMs`, when `onExpiry` runs first (to drop the attempt). */
function withDeadline(connecting: Promise<void>, timeoutMs: number, onExpiry: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onExpiry();
      reject(noAnswer(timeoutMs));
    }, timeoutMs);
    timer.unref();
  });
  return Promise.race([connecting, expired]).finally(() => clearTimeout(timer));
}

/** The connections of one RedisStorage: commands on `client`, wake-ups on a subscriber made on first `listen`. */
export class RedisConnection {
  readonly client: Client;
  /** `host:port` (or socket path) for error messages: never the URL, which may hold a password. */
  readonly endpoint: string;
  /** The command timeout RedisStorage gave its own connections; null with an app-owned client (the app's decides). */
  readonly commandTimeoutMs: number | null;
  private readonly ownsClient: boolean;
  /** Bound on a first connection, TCP connect and handshake together. */
  private readonly firstConnectionTimeoutMs: number;
  private hasConnected = false;
  private lastError: unknown = null;
  private connecting: Promise<void> | null = null;
  private subscriber: Client | null = null;
  private subscription: Promise<void> | null = null;
  private readonly listeners = new Set<PushListeners>();
  /**
   * Calls under way on an owned command connection. While there are none its socket is unref'd, so a producer that
   * returns without close() lets its process exit; while there are, the socket holds the process until they end.
   */
  private callsInFlight = 0;

  /**
   * @param name the owned connections' CLIENT SETNAME (`<name>` and `<name>:subscriber`), to find them in CLIENT LIST.
   */
  constructor(
    options: ResolvedRedisOptions,
    private readonly name: string,
  ) {
    this.ownsClient = options.client === null;
    this.client = options.client ?? this.createClient(options.url as string, options.commandTimeoutMs);
    this.endpoint = describeEndpoint(this.client);
    this.commandTimeoutMs = this.ownsClient ? options.commandTimeoutMs : null;
    const handshakeMs = this.ownsClient ? options.commandTimeoutMs : HANDSHAKE_TIMEOUT_MS;
    this.firstConnectionTimeoutMs = CONNECT_TIMEOUT_MS + handshakeMs;
  }

  /**
   * Its commands, the handshake's included, time out after `commandTimeoutMs`; the subscriber, a duplicate of it,
   * inherits that for its own few commands (SUBSCRIBE), while its wait for messages is no command and never times out.
   */
  private createClient(url: string, commandTimeoutMs: number): Redis {
    const client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: CONNECT_TIMEOUT_MS,
      disconnectTimeout: DISCONNECT_TIMEOUT_MS,
      commandTimeout: commandTimeoutMs,
      maxRetriesPerRequest: MAX_RETRIES_PER_REQUEST,
      connectionName: this.name,
      retryStrategy: (attempt) => (this.hasConnected ? backoff(attempt) : null),
    });
    client.on('error', (error: unknown) => {
      this.lastError = error;
    });
    client.on('ready', () => {
      this.hasConnected = true;
    });
    // Each (re)connection opens a new socket, which Node refs by default.
    client.on('connect', () => {
      if (this.callsInFlight === 0) client.stream.unref();
    });
    return client;
  }

  /**
   * Runs `call` (commands on `client`) with the owned connection's socket ref'd, so the process waits for its answer;
   * once no call is under way the socket is unref'd again. An app-owned client is left as the app set it.
   */
  async hold<T>(call: () => Promise<T>): Promise<T> {
    if (!this.ownsClient) return call();
    const { stream } = this.client as Redis;
    if (this.callsInFlight++ === 0) stream?.ref();
    try {
      return await call();
    } finally {
      if (--this.callsInFlight === 0) (this.client as Redis).stream?.unref();
    }
  }

  /**
   * Connects if not yet connected; rejects with a StorageError naming the endpoint if the server is unreachable. An
   * app-owned client already connecting is waited for, up to its first error: an unreachable ioredis `Cluster`
   * otherwise keeps every command queued while it retries, forever by default.
   */
  async connect(operation: string): Promise<void> {
    if (this.client.status === 'ready') this.hasConnected = true;
    if (this.hasConnected) return;
    // An app-owned client the app has closed: the command itself rejects, saying so.
    if (!this.ownsClient && this.client.status === 'end') return;
    this.connecting ??= this.startConnecting().finally(() => {
      this.connecting = null;
    });
    try {
      await this.connecting;
      this.hasConnected = true;
    } catch (error) {
      throw unreachableError(operation, this.endpoint, this.lastError ?? error);
    }
  }

  private startConnecting(): Promise<void> {
    const timeoutMs = this.firstConnectionTimeoutMs;
    if (!this.ownsClient && this.client.status !== 'wait') return firstConnection(this.client, timeoutMs);
    // An owned attempt that got no answer is dropped, so the next call starts afresh.
    return withDeadline(this.client.connect(), timeoutMs, () => {
      if (this.ownsClient) this.client.disconnect();
    });
  }

  /**
   * Adds listeners for queue names and cancelled job ids published on `channel`; the subscriber connection starts on
   * first use.
   */
  listen(channel: string, onJobAvailable: JobAvailableListener, onJobCancelled?: JobCancelledListener): () => void {
    const entry: PushListeners = { onJobAvailable, onJobCancelled };
    this.listeners.add(entry);
    if (!this.subscriber) this.subscriber = this.createSubscriber(channel, `${this.name}:subscriber`);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Resolves once a pending SUBSCRIBE has been answered, so this process hears its own next PUBLISH. */
  async subscribed(): Promise<void> {
    await this.subscription;
  }

  private createSubscriber(channel: string, name: string): Client {
    // A Cluster duplicate opens its pub/sub connection on a node it picks, named `ioredis-cluster(subscriber):<name>`,
    // and moves it to another node by itself when that connection ends.
    const subscriber = isCluster(this.client)
      ? this.client.duplicate([], { redisOptions: { ...this.client.options.redisOptions, connectionName: name } })
      : this.client.duplicate({
          lazyConnect: false,
          retryStrategy: backoff,
          maxRetriesPerRequest: null,
          connectionName: name,
        });
    subscriber.on('error', () => {
      // It reconnects by itself and ioredis re-subscribes after a reconnect; the server's polling covers the gap.
    });
    subscriber.on('message', (from: string, message: string) => {
      if (from === channel) this.deliver(message);
    });
    // Settles when SUBSCRIBE is answered, or at the first connection error (the SUBSCRIBE stays queued and is sent
    // when the connection comes up), so a caller waiting on it never hangs through an outage.
    this.subscription = new Promise<void>((resolve) => {
      subscriber.once('error', () => resolve());
      subscriber.subscribe(channel).then(
        () => resolve(),
        () => resolve(),
      );
    }).then(() => {
      this.subscription = null;
    });
    return subscriber;
  }

  private deliver(message: string): void {
    for (const entry of [...this.listeners]) {
      if (!this.listeners.has(entry)) continue;
      try {
        deliverPushMessage(message, entry);
      } catch {
        // A throwing listener must not keep the others from waking; the server reports its own errors.
      }
    }
  }

  /**
   * Closes the subscriber and, if owned, the command connection (an app-owned client stays open), side by side: within
   * QUIT_TIMEOUT_MS even when Redis does not answer.
   */
  async close(): Promise<void> {
    this.listeners.clear();
    const subscriber = this.subscriber;
    this.subscriber = null;
    await Promise.all([subscriber && shutdown(subscriber), this.ownsClient && shutdown(this.client)]);
  }
}
