// tcp-proxy.ts: a TCP proxy on the loopback between server children and their store, for fault tests: it drops every
// connection, refuses new ones, or stalls all traffic (bytes kept, sockets open) until resumed. It never alters,
// reorders or loses a byte it was given, except by dropping a connection on purpose.
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/** Where a store listens, or where the proxy does. */
export interface StoreAddress {
  host: string;
  port: number;
}

export interface FaultProxyOptions {
  /** Where every connection is forwarded. */
  target: StoreAddress;
  /** Port to listen on (127.0.0.1); 0 picks a free one. @defaultValue 0 */
  port?: number;
}

/** What the proxy did so far, for failure messages and reports. */
export interface FaultProxyStats {
  /** Connections accepted and forwarded. */
  accepted: number;
  /** Connections closed on arrival while refusing. */
  refused: number;
  /** Connections reset by `drop()`. */
  dropped: number;
  /** Connections open now. */
  open: number;
}

/** Bytes read from one side and not yet written to the other, and whether that side has ended. */
interface Direction {
  pending: Buffer[];
  ended: boolean;
}

/** One accepted connection and its own connection to the target. */
interface ProxiedConnection {
  client: Socket;
  upstream: Socket;
  upstreamReady: boolean;
  toUpstream: Direction;
  toClient: Direction;
}

/**
 * A loopback TCP proxy whose faults are switched on and off by the test: `drop()` resets every open connection,
 * `refuse()` closes new ones on arrival, `stall()` stops forwarding in both directions (reading on, keeping what it
 * read) until `resume()`. A side that ends during a stall is ended on the other side after its bytes are delivered.
 */
export class FaultProxy {
  private readonly server: Server;
  private readonly target: StoreAddress;
  private readonly connections = new Set<ProxiedConnection>();
  private stalled = false;
  private refusing = false;
  private acceptTimer: NodeJS.Timeout | null = null;
  private counts = { accepted: 0, refused: 0, dropped: 0 };

  private constructor(target: StoreAddress) {
    this.target = target;
    this.server = createServer({ allowHalfOpen: true }, (client) => this.onConnection(client));
  }

  /** Starts a proxy to `options.target`; resolves once it listens. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options.target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(options.port ?? 0, '127.0.0.1', () => {
        proxy.server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  /** Where to connect instead of the target. */
  get address(): StoreAddress {
    const bound = this.server.address();
    if (bound === null || typeof bound === 'string') throw new Error('the fault proxy is not listening');
    return { host: '127.0.0.1', port: bound.port };
  }

  get port(): number {
    return this.address.port;
  }

  /** `url` with its host and port replaced by the proxy's (user, path and query kept). */
  urlFor(url: string): string {
    const rewritten = new URL(url);
    rewritten.hostname = this.address.host;
    rewritten.port = String(this.address.port);
    return rewritten.toString();
  }

  get isStalled(): boolean {
    return this.stalled;
  }

  get isRefusing(): boolean {
    return this.refusing;
  }

  get stats(): FaultProxyStats {
    return { ...this.counts, open: this.connections.size };
  }

  /** Resets every open connection, both sides, as a broken network would; returns how many. */
  drop(): number {
    const dropped = this.connections.size;
    for (const connection of [...this.connections]) this.reset(connection);
    this.counts.dropped += dropped;
    return dropped;
  }

  /** Closes every new connection on arrival, for `ms` if given (then accepts again), else until `accept()`. */
  refuse(ms?: number): void {
    this.refusing = true;
    this.clearAcceptTimer();
    if (ms === undefined) return;
    this.acceptTimer = setTimeout(() => this.accept(), ms);
    this.acceptTimer.unref();
  }

  /** Forwards new connections again. */
  accept(): void {
    this.clearAcceptTimer();
    this.refusing = false;
  }

  /** Stops forwarding bytes both ways on every connection, new ones included; sockets stay open. */
  stall(): void {
    this.stalled = true;
  }

  /** Delivers what a stall held back, in order, and forwards again. */
  resume(): void {
    this.stalled = false;
    for (const connection of [...this.connections]) this.flush(connection);
  }

  /** Stops listening and resets whatever is still open. */
  async close(): Promise<void> {
    this.clearAcceptTimer();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.drop();
    await closed;
  }

  private onConnection(client: Socket): void {
    if (this.refusing) {
      this.counts.refused++;
      resetSocket(client);
      return;
    }
    this.counts.accepted++;
    const upstream = tcpConnect({ ...this.target, allowHalfOpen: true });
    const connection: ProxiedConnection = {
      client,
      upstream,
      upstreamReady: false,
      toUpstream: { pending: [], ended: false },
      toClient: { pending: [], ended: false },
    };
    this.connections.add(connection);
    upstream.once('connect', () => {
      connection.upstreamReady = true;
      this.flush(connection);
    });
    this.relay(connection, client, connection.toUpstream);
    this.relay(connection, upstream, connection.toClient);
  }

  /** Reads `from` into `direction` and forwards it unless stalled; an error on either side resets both. */
  private relay(connection: ProxiedConnection, from: Socket, direction: Direction): void {
    from.on('data', (chunk: Buffer) => {
      direction.pending.push(chunk);
      this.flush(connection);
    });
    from.on('end', () => {
      direction.ended = true;
      this.flush(connection);
    });
    from.on('error', () => this.reset(connection));
    from.on('close', () => this.forgetIfClosed(connection));
  }

  private flush(connection: ProxiedConnection): void {
    if (this.stalled || !connection.upstreamReady) return;
    deliver(connection.toUpstream, connection.upstream);
    deliver(connection.toClient, connection.client);
  }

  private reset(connection: ProxiedConnection): void {
    this.connections.delete(connection);
    resetSocket(connection.client);
    resetSocket(connection.upstream);
  }

  private forgetIfClosed(connection: ProxiedConnection): void {
    if (!connection.client.destroyed || !connection.upstream.destroyed) return;
    this.connections.delete(connection);
  }

  private clearAcceptTimer(): void {
    if (this.acceptTimer !== null) clearTimeout(this.acceptTimer);
    this.acceptTimer = null;
  }
}

/** Writes what `direction` holds to `to`, then ends `to` once its source has ended. */
function deliver(direction: Direction, to: Socket): void {
  if (to.destroyed) return;
  for (const chunk of direction.pending.splice(0)) to.write(chunk);
  if (direction.ended && !to.writableEnded) to.end();
}

/** Closes with a reset (RST) where the socket allows it, else plainly. */
function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
