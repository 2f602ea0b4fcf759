// tcp-proxy.ts (test only): a TCP proxy on 127.0.0.1 in front of PostgreSQL that can stall, forwarding nothing (no
// bytes, no close) either way until resumed, as a network partition that later heals. Nothing is dropped: what was
// held is delivered on resume, as TCP retransmission would. Its calls match core's fault-kit FaultProxy, which can
// replace it once @jobsmith/core/testing exports that.
import net from 'node:net';

/** One proxied connection: the client's socket and the one to the target, each read only while not stalled. */
interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  /** Ends that arrived while stalled, run on resume. */
  private heldEnds: (() => void)[] = [];
  private isStalled = false;

  private constructor(
    private readonly server: net.Server,
    private readonly target: { host: string; port: number },
  ) {}

  /** Starts a proxy to `target` on a free loopback port. */
  static async start(options: { target: { host: string; port: number } }): Promise<TcpProxy> {
    const server = net.createServer();
    const proxy = new TcpProxy(server, options.target);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  /** Stops forwarding on every connection, open or opened later. */
  stall(): void {
    this.isStalled = true;
    for (const { client, upstream } of this.pairs) {
      client.pause();
      upstream.pause();
    }
  }

  /** Forwards again, delivering what was held. */
  resume(): void {
    this.isStalled = false;
    for (const { client, upstream } of this.pairs) {
      client.resume();
      upstream.resume();
    }
    for (const end of this.heldEnds.splice(0)) end();
  }

  /** Stops accepting and cuts every connection. */
  async close(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    if (this.isStalled) {
      client.pause();
      upstream.pause();
    }
    this.forward(client, upstream);
    this.forward(upstream, client);
    const cut = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      // A reset or close is a packet too: while stalled it waits for resume.
      socket.on('error', () => this.whenForwarding(cut));
      socket.on('close', () => this.whenForwarding(cut));
    }
  }

  private forward(from: net.Socket, to: net.Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (!to.destroyed) to.write(chunk);
    });
    // 'end' follows the data before it, so it too arrives only once the reads resume.
    from.on('end', () => to.end());
  }

  private whenForwarding(action: () => void): void {
    if (this.isStalled) this.heldEnds.push(action);
    else action();
  }
}
