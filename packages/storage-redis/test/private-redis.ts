// private-redis.ts (test only): a redis-server of the test's own on a free loopback port (6390 and up), for tests
// that pause, shut down or restart Redis without disturbing the shared one. By default nothing is persisted
// (`--save "" --appendonly no`): a restart starts empty. With `persistent: true` every write goes to an append-only
// file fsynced at once, in a temporary directory of its own, and a shutdown saves: a restart reloads the data. Real
// time: it is a real server process.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '@jobsmith/core/testing';
import { Redis } from 'ioredis';

const FIRST_PORT = 6390;
const LAST_PORT = 6599;
const START_TIMEOUT_MS = 15_000;
const HOW_TO_INSTALL = 'redis-server must be on PATH (e.g. `apt-get install redis-server`)';

export interface PrivateRedisOptions {
  /** Added to the server's command line (e.g. a maxmemory-policy). @defaultValue [] */
  args?: readonly string[];
  /** Keep the data across a restart (append-only file, fsync always, SHUTDOWN SAVE). @defaultValue false */
  persistent?: boolean;
}

/** One private redis-server: start it, pause it, shut it down, start it again on the same port, stop it for good. */
export class PrivateRedis {
  private server: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly args: readonly string[],
    /** The data directory of a persistent server; null keeps nothing. */
    private readonly dir: string | null,
  ) {}

  /** Finds a free port and starts a server on it. */
  static async start(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
    const port = await freeLoopbackPort(FIRST_PORT, LAST_PORT);
    const dir = options.persistent === true ? mkdtempSync(join(tmpdir(), 'jobsmith-redis-')) : null;
    const redis = new PrivateRedis(port, options.args ?? [], dir);
    try {
      await redis.restart();
    } catch (error) {
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) on its port; resolves once it has loaded its data and accepts connections. */
  async restart(): Promise<void> {
    const storage =
      this.dir === null
        ? ['--save', '', '--appendonly', 'no']
        : ['--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', ...storage, ...this.args];
    const server = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.server = server;
    await untilReady(server);
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

  /** SHUTDOWN as an operator would (SAVE when persistent, else NOSAVE); resolves once the process has exited. */
  async shutdown(): Promise<void> {
    const server = this.server;
    if (server === null || server.exitCode !== null) return;
    const exited = once(server, 'exit');
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // The server closes the connection instead of replying.
    await client.call('SHUTDOWN', this.dir === null ? 'NOSAVE' : 'SAVE').catch(() => undefined);
    client.disconnect();
    await exited;
    this.server = null;
  }

  /** Ends the server for good (afterAll): SIGKILL if it is still up; a persistent one's data is removed. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    try {
      if (server !== null && server.exitCode === null && server.signalCode === null) {
        const exited = once(server, 'exit');
        server.kill('SIGKILL');
        await exited;
      }
    } finally {
      if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

/** Resolves once `server` logs that it accepts connections; rejects if it exits or fails to start first. */
function untilReady(server: ChildProcess): Promise<void> {
  let output = '';
  return new Promise<void>((resolve, reject) => {
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
    server.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready: ${output}`)));
  });
}
