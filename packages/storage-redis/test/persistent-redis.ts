// persistent-redis.ts (test only): a redis-server of the test's own that keeps its data across a restart: an
// append-only file fsynced on every write (`--appendonly yes --appendfsync always`) in a temporary directory of its
// own, on a free loopback port (6500 and up). `restart()` is SHUTDOWN SAVE, as an operator would, then a start on
// the same port that reloads the data. Real time: it is a real server process.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from '@jobsmith/core/testing';
import { Redis } from 'ioredis';

const FIRST_PORT = 6_500;
const LAST_PORT = 6_599;
const START_TIMEOUT_MS = 15_000;
const HOW_TO_INSTALL = 'redis-server must be on PATH (e.g. `apt-get install redis-server`)';

/** One private, persistent redis-server: start it, restart it with its data, remove it. */
export class PersistentRedis {
  private server: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** Starts a server on a free port with a fresh data directory. */
  static async start(): Promise<PersistentRedis> {
    const dir = mkdtempSync(join(tmpdir(), 'jobsmith-redis-'));
    const redis = new PersistentRedis(await freeLoopbackPort(FIRST_PORT, LAST_PORT), dir);
    try {
      await redis.launch();
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** SHUTDOWN SAVE, then a start on the same port; resolves once the data is loaded and it accepts connections. */
  async restart(): Promise<void> {
    await this.shutdown();
    await this.launch();
  }

  /** Ends the server for good (SIGKILL if it is still up) and removes its data. */
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
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private async shutdown(): Promise<void> {
    const server = this.server;
    if (server === null || server.exitCode !== null) return;
    const exited = once(server, 'exit');
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // The server closes the connection instead of replying.
    await client.call('SHUTDOWN', 'SAVE').catch(() => undefined);
    client.disconnect();
    await exited;
    this.server = null;
  }

  private async launch(): Promise<void> {
    const args = [
      ...['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir],
      ...['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
    ];
    const server = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.server = server;
    await untilReady(server);
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
