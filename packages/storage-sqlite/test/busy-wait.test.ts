// busy-wait.test.ts: while another connection holds the write lock, a storage call waits for it asynchronously: the
// event loop keeps turning, the call completes once the lock is let go, and it gives up with a StorageError naming
// the operation when the lock outlasts busyTimeoutMs. The peer is a plain better-sqlite3 connection to the same file,
// as another process would hold it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock, StorageError } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SqliteStorage } from '../src/index.js';
import { makeTempDir } from './harness.js';

/** How long the peer holds the write lock in the real-time test. */
const HOLD_MS = 1_000;
/** The longest stall of a 10 ms ticker we accept: generous, for a loaded test machine (a blocking wait is ~HOLD_MS). */
const MAX_GAP_MS = 200;

/** Ticks every 10 ms and records the longest time between two ticks, i.e. the longest the event loop stalled. */
function startGapTicker(): { stop(): number } {
  let last = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 10);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(maxGap, performance.now() - last);
    },
  };
}

describe('waiting for the write lock', () => {
  const clock = new ManualClock();
  const claim = { serverId: 'busy-test#1', queues: [], limit: 1, leaseMs: 30_000 };
  let dir: string;
  let filename: string;
  let peer: Database.Database;
  const opened: SqliteStorage[] = [];

  async function openStorage(options: { busyTimeoutMs?: number } = {}): Promise<SqliteStorage> {
    const storage = new SqliteStorage({ filename, clock, ...options });
    opened.push(storage);
    await storage.migrate();
    return storage;
  }

  beforeEach(() => {
    dir = makeTempDir();
    filename = join(dir, 'jobs.db');
    peer = new Database(filename);
  });

  afterEach(async () => {
    vi.useRealTimers();
    if (peer.inTransaction) peer.exec('ROLLBACK');
    peer.close();
    for (const storage of opened.splice(0)) await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the event loop turning while a peer holds the lock, and completes once it is let go', async () => {
    // Real time on purpose: what is measured is how long the event loop stalls, which only a real timer can see.
    const storage = await openStorage();
    const first = makeNewJob({}, clock.now());
    await storage.enqueue({ jobs: [first] });
    clock.advance(1_000);
    const second = makeNewJob({}, clock.now());

    peer.exec('BEGIN IMMEDIATE');
    const ticker = startGapTicker();
    let releasedAt = Number.POSITIVE_INFINITY;
    const release = setTimeout(() => {
      peer.exec('COMMIT');
      releasedAt = performance.now();
    }, HOLD_MS);
    const [claimed, enqueued] = await Promise.allSettled([
      storage.fetchAndLock(claim),
      storage.enqueue({ jobs: [second] }),
    ]);
    const doneAt = performance.now();
    const maxGapMs = ticker.stop();
    clearTimeout(release);

    expect(maxGapMs).toBeLessThan(MAX_GAP_MS);
    expect(doneAt).toBeGreaterThanOrEqual(releasedAt);
    expect(claimed).toMatchObject({ status: 'fulfilled', value: [{ id: first.id, state: 'processing' }] });
    expect(enqueued).toEqual({ status: 'fulfilled', value: [{ id: second.id, duplicate: false }] });
    expect(await storage.get(second.id)).toMatchObject({ state: 'enqueued' });
  });

  it('rejects with a StorageError naming the operation once the lock outlasts busyTimeoutMs', async () => {
    // Fake timers: the retries' pauses and the budget then run on simulated time, so the test waits for nothing.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const storage = await openStorage({ busyTimeoutMs: 300 });
    await storage.enqueue({ jobs: [makeNewJob({}, clock.now())] });
    peer.exec('BEGIN IMMEDIATE');

    let settled = false;
    const call = storage.fetchAndLock(claim).finally(() => {
      settled = true;
    });
    const outcome = call.then(
      () => null,
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(250);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(100);

    const error = await outcome;
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ operation: 'fetchAndLock' });
    expect((error as StorageError).message).toMatch(/^fetchAndLock: .*SQLITE_BUSY.*busyTimeoutMs \(300 ms\)/);
    peer.exec('ROLLBACK');
    expect(await storage.counts()).toMatchObject({ byState: { enqueued: 1, processing: 0 } });
  });

  it('fails at once with busyTimeoutMs 0', async () => {
    const storage = await openStorage({ busyTimeoutMs: 0 });
    peer.exec('BEGIN IMMEDIATE');
    await expect(storage.enqueue({ jobs: [makeNewJob({}, clock.now())] })).rejects.toMatchObject({
      name: 'StorageError',
      operation: 'enqueue',
    });
  });

  it("puts an app-owned Database's own busy_timeout back after each call", async () => {
    const database = new Database(filename, { timeout: 1_234 });
    const storage = new SqliteStorage({ database, clock });
    opened.push(storage);
    await storage.enqueue({ jobs: [makeNewJob({}, clock.now())] });
    expect(database.pragma('busy_timeout', { simple: true })).toBe(1_234);
    database.pragma('busy_timeout = 77');
    await storage.counts();
    expect(database.pragma('busy_timeout', { simple: true })).toBe(77);
    await storage.close();
    database.close();
  });

  it("does not wait inside the app's open transaction: the call fails there and then, and writes nothing", async () => {
    const database = new Database(filename, { timeout: 0 });
    const storage = new SqliteStorage({ database, clock });
    opened.push(storage);
    await storage.migrate();
    peer.exec('BEGIN IMMEDIATE');

    const job = makeNewJob({}, clock.now());
    let call: Promise<unknown> | undefined;
    database.transaction(() => {
      call = storage.enqueue({ jobs: [job], tx: database }).catch((error: unknown) => error);
    })();

    // Settled without any timer running: a retry would have come after the app's transaction had ended.
    expect(await call).toMatchObject({ name: 'StorageError', operation: 'enqueue' });
    peer.exec('ROLLBACK');
    expect(await storage.get(job.id)).toBeNull();
    await storage.close();
    database.close();
  });
});
