// private-redis.ts (test only): a redis-server of the test's own on a free loopback port (6390 and up), for tests
// that shut Redis down and start it again without disturbing the shared one. Nothing is persisted (`--save ""
// --appendonly no`): a restart starts empty. Real time: it is a real server process.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

const FIRST_PORT = 6390;
const LAST_PORT = 6499;
const START_TIMEOUT_MS = 10_000;
const HOW_TO_INSTALL = 'redis-server must be on PATH (e.g. `apt-get install redis-server`)';

/** One private redis-server: start it, shut it down, start it again on the same port, stop it for good. */
export class PrivateRedis {
  private server: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[],
  ) {}

  /** Finds a free port and starts a server on it, with `extraArgs` added to its command line (e.g. a config). */
  static async start(extraArgs: readonly string[] = []): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), extraArgs);
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) on its port; resolves once it accepts connections. */
  async restart(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    args.push(...this.extraArgs);
    const server = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.server = server;
    let output = '';
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server not ready in ${START_TIMEOUT_MS} ms: ${output}`)),
        START_TIMEOUT_MS,
      );
      timer.unref();
      server.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      server.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      server.once('error', (error) =>
        reject(new Error(`cannot start redis-server (${error.message}): ${HOW_TO_INSTALL}`)),
      );
      server.once('exit', (code) =>
        reject(new Error(`redis-server exited with ${code} before it was ready: ${output}`)),
      );
    });
    await ready;
  }

  /** SIGSTOP: the server keeps its connections open and answers nothing, as a hung or overloaded one would. */
  pause(): void {
    this.signal('SIGSTOP');
  }

  /** SIGCONT after `pause`: the server answers again, every command sent meanwhile included. */
  resume(): void {
    this.signal('SIGCONT');
  }

  private signal(signal: NodeJS.Signals): void {
    const server = this.server;
    if (server === null || server.exitCode !== null) throw new Error('the private redis-server is not running');
    server.kill(signal);
  }

  /** SHUTDOWN NOSAVE, as an operator would; resolves once the process has exited. */
  async shutdown(): Promise<void> {
    const server = this.server;
    if (server === null || server.exitCode !== null) return;
    const exited = once(server, 'exit');
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // The server closes the connection instead of replying.
    await client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    client.disconnect();
    await exited;
    this.server = null;
  }

  /** Ends the server for good (afterAll): SIGKILL if it is still up. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server === null || server.exitCode !== null || server.signalCode !== null) return;
    const exited = once(server, 'exit');
    server.kill('SIGKILL');
    await exited;
  }
}

/** The first port in FIRST_PORT..LAST_PORT that nothing listens on. */
async function freePort(): Promise<number> {
  for (let port = FIRST_PORT; port <= LAST_PORT; port++) {
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${FIRST_PORT}-${LAST_PORT} for a private redis-server`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
