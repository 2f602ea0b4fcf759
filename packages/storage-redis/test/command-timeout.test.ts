// command-timeout.test.ts: a Redis that stops answering cannot hang a call. A private redis-server is paused
// (SIGSTOP: its connections stay open, nothing is answered) under a storage with a short commandTimeoutMs: calls,
// first connections and a server's stop() reject or end within the bound, the subscriber connection outlives the
// pause, and everything works again once it is resumed (SIGCONT). Real time: the server and its pause are real.
import { BackgroundJobServer, silentLogger, WorkerRegistry } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStorage } from '../src/index.js';
import { Ear } from './ear.js';
import { testPrefix } from './harness.js';
import { PrivateRedis } from './private-redis.js';

const COMMAND_TIMEOUT_MS = 300;
/** Slack for a loaded machine on top of a bound. */
const MARGIN_MS = 1_000;
/** The TCP part of a first connection's bound (connection.ts CONNECT_TIMEOUT_MS). */
const CONNECT_TIMEOUT_MS = 3_000;

let redis: PrivateRedis;
let isPaused = false;
let made: RedisStorage[] = [];

beforeAll(async () => {
  redis = await PrivateRedis.start();
});

afterEach(async () => {
  resume();
  for (const storage of made) await storage.close();
  made = [];
});

afterAll(async () => {
  await redis?.stop();
});

function pause(): void {
  redis.pause();
  isPaused = true;
}

function resume(): void {
  if (isPaused) redis.resume();
  isPaused = false;
}

function storageOn(prefix = testPrefix()): RedisStorage {
  const storage = new RedisStorage({ url: redis.url, prefix, commandTimeoutMs: COMMAND_TIMEOUT_MS });
  made.push(storage);
  return storage;
}

/** Milliseconds `promise` took to settle; it must reject. */
async function msToReject(promise: Promise<unknown>, expected: Record<string, unknown>): Promise<number> {
  const startedAt = performance.now();
  await expect(promise).rejects.toMatchObject(expected);
  return performance.now() - startedAt;
}

describe('commandTimeoutMs', () => {
  it('rejects a script, a command and a pipeline of a paused Redis in time, naming the operation', async () => {
    const storage = storageOn();
    await storage.migrate();
    pause();
    const timedOut = (operation: string) => ({
      name: 'StorageError',
      operation,
      message: expect.stringContaining(`did not answer within ${COMMAND_TIMEOUT_MS} ms (commandTimeoutMs)`),
    });
    const job = makeNewJob({}, storage.clock.now());
    const calls: [string, () => Promise<unknown>][] = [
      ['enqueue', () => storage.enqueue({ jobs: [job] })],
      ['get', () => storage.get(job.id)],
      ['listServers', () => storage.listServers()],
    ];
    for (const [operation, call] of calls) {
      expect(await msToReject(call(), timedOut(operation))).toBeLessThan(COMMAND_TIMEOUT_MS + MARGIN_MS);
    }
    resume();
    await storage.enqueue({ jobs: [makeNewJob({}, storage.clock.now())] });
    expect(await storage.counts()).toMatchObject({ byState: { enqueued: expect.any(Number) } });
  });

  it('bounds a first connection the paused Redis accepts but never answers; the next call connects afresh', async () => {
    pause();
    const storage = storageOn();
    const elapsed = await msToReject(storage.migrate(), {
      name: 'StorageError',
      operation: 'migrate',
      message: expect.stringContaining(`127.0.0.1:${redis.port}`),
    });
    expect(elapsed).toBeLessThan(CONNECT_TIMEOUT_MS + COMMAND_TIMEOUT_MS + MARGIN_MS);
    resume();
    await storage.migrate();
    expect(await storage.get('none')).toBeNull();
  });

  it('leaves the subscriber connection listening through a pause longer than the timeout', async () => {
    const prefix = testPrefix();
    const listener = storageOn(prefix);
    const producer = storageOn(prefix);
    const ear = new Ear();
    listener.subscribe(ear.listener);
    await ear.heardAfterOutage('warm-up', () =>
      producer.enqueue({ jobs: [makeNewJob({ queue: 'warm-up' }, producer.clock.now())] }),
    );
    pause();
    // Real time on purpose: the subscriber must sit idle past its command timeout while Redis answers nothing.
    await new Promise((resolve) => setTimeout(resolve, 3 * COMMAND_TIMEOUT_MS));
    resume();
    await producer.enqueue({ jobs: [makeNewJob({ queue: 'after-pause' }, producer.clock.now())] });
    await ear.heard('after-pause');
  });

  it('lets close() end within half a second while Redis is paused, the subscriber connection included', async () => {
    const storage = storageOn();
    storage.subscribe(() => {});
    await storage.migrate();
    pause();
    const startedAt = performance.now();
    await storage.close();
    // QUIT gets half a second (connection.ts QUIT_TIMEOUT_MS), then both connections are dropped, side by side.
    expect(performance.now() - startedAt).toBeLessThan(500 + MARGIN_MS);
  });

  it("lets a server's stop() end while Redis is paused", async () => {
    const storage = storageOn();
    const config = { workerCount: 1, logger: silentLogger, shutdownTimeoutMs: 1_000 };
    const server = new BackgroundJobServer(config, storage, new WorkerRegistry());
    server.on('error', () => {});
    await server.start();
    pause();
    const startedAt = performance.now();
    await server.stop();
    // stop() makes a few calls (release, deregister), each bounded by the command timeout.
    expect(performance.now() - startedAt).toBeLessThan(5 * COMMAND_TIMEOUT_MS + MARGIN_MS);
  });
});
