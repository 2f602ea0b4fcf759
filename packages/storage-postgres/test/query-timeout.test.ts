// query-timeout.test.ts: no call waits forever on a store that stops answering. A storage reaches PostgreSQL through
// core's FaultProxy, which stalls (forwards nothing, as a partition does) after the storage has migrated: calls reject
// with a StorageError naming the operation within queryTimeoutMs and a margin, close() returns promptly (cutting calls
// still waiting), and once the proxy forwards again the storage works. Real time on purpose: the timeouts are the driver's and the server's timers.
// Migrations, which may queue behind another migration, are given longer than queryTimeoutMs and still succeed.
import { type Job, StorageError } from '@jobsmith/core';
import { eventually, FaultProxy, makeNewJob } from '@jobsmith/core/testing';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStorage } from '../src/index.js';
import { migrationLockKey } from '../src/migrate.js';
import { DATABASE_URL, dropSchema, freshSchemaName } from './helpers.js';
import { Heard } from './listen.js';

const QUERY_TIMEOUT_MS = 400;
/** Room for timers firing late and the rejection travelling back on a busy test machine. */
const MARGIN_MS = 1_500;
/** The LISTEN connection's goodbye is cut after 250 ms (listener.ts), so close() takes about that on a silent store. */
const LISTENER_END_GRACE_MS = 250;
/** What close() gives calls in flight before cutting their connections (storage.ts). */
const CLOSE_GRACE_MS = 500;

/** The error `work` rejects with, and how long it took. */
async function timedRejection(work: () => Promise<unknown>): Promise<{ error: Error; elapsedMs: number }> {
  const startedAt = performance.now();
  try {
    await work();
  } catch (error) {
    return { error: error as Error, elapsedMs: performance.now() - startedAt };
  }
  throw new Error('expected a rejection');
}

describe('queryTimeoutMs', () => {
  let proxy: FaultProxy;
  let schema: string;
  let storage: PostgresStorage;

  /** A migrated storage reaching the database through the proxy, with connect and query timeouts of `timeoutMs`. */
  async function openThroughProxy(timeoutMs: number): Promise<PostgresStorage> {
    const opened = new PostgresStorage({
      connectionString: proxy.urlFor(DATABASE_URL),
      schema,
      poolSize: 2,
      connectionTimeoutMs: timeoutMs,
      queryTimeoutMs: timeoutMs,
    });
    await opened.migrate();
    return opened;
  }

  beforeEach(async () => {
    const target = new URL(DATABASE_URL);
    proxy = await FaultProxy.start({ target: { host: target.hostname, port: Number(target.port || 5432) } });
    schema = freshSchemaName();
    storage = await openThroughProxy(QUERY_TIMEOUT_MS);
  });

  afterEach(async () => {
    proxy.resume();
    await storage.close();
    await proxy.close();
    await dropSchema(schema);
  });

  const calls: [string, (storage: PostgresStorage) => Promise<unknown>][] = [
    ['get', (s) => s.get('job-1')],
    ['fetchAndLock', (s) => s.fetchAndLock({ serverId: 's#1', queues: [], limit: 1, leaseMs: 30_000 })],
    // A transaction: its connection is discarded at the timeout, with no ROLLBACK left waiting as long again.
    [
      'fireRecurring',
      (s) => s.fireRecurring({ id: 'r', expectedRunAt: new Date(0), nextRunAt: new Date(60_000), job: null }),
    ],
  ];
  for (const [operation, call] of calls) {
    it(`rejects ${operation} with a StorageError naming it within the timeout while the store is silent`, async () => {
      proxy.stall();
      const { error, elapsedMs } = await timedRejection(() => call(storage));
      expect(error).toBeInstanceOf(StorageError);
      expect(error.message).toMatch(new RegExp(`^${operation}: `));
      expect(error.message).toMatch(/query timeout|timeout/);
      expect(elapsedMs).toBeLessThan(QUERY_TIMEOUT_MS + MARGIN_MS);
    });
  }

  it('rejects a call that needs a new connection within the connect timeout while the store is silent', async () => {
    proxy.stall();
    // Two calls at once on a pool of two: at least one opens a connection, which the silent store never answers.
    const both = await Promise.all([timedRejection(() => storage.get('a')), timedRejection(() => storage.get('b'))]);
    for (const { error, elapsedMs } of both) {
      expect(error).toBeInstanceOf(StorageError);
      expect(elapsedMs).toBeLessThan(QUERY_TIMEOUT_MS + MARGIN_MS);
    }
  });

  it('works again once the store answers', async () => {
    proxy.stall();
    await expect(storage.get('job-1')).rejects.toBeInstanceOf(StorageError);
    proxy.resume();
    expect(await storage.enqueue({ jobs: [makeNewJob({ id: 'job-after' })] })).toEqual([
      { id: 'job-after', duplicate: false },
    ]);
    expect((await storage.get('job-after'))?.state).toBe('enqueued');
    const claimed: Job[] = await storage.fetchAndLock({ serverId: 's#1', queues: [], limit: 1, leaseMs: 30_000 });
    expect(claimed.map((job) => job.id)).toEqual(['job-after']);
  });

  it('closes promptly while the store is silent, the LISTEN connection included', async () => {
    const heard = new Heard();
    storage.subscribe(heard.listener);
    // Listening once a notification arrives: the LISTEN connection is open when the proxy stalls.
    for (let tries = 0; tries < 40 && heard.queues.length === 0; tries++) {
      await storage.enqueue({ jobs: [makeNewJob({ queue: 'timeouts' })] });
      await heard.until('timeouts', 250).catch(() => undefined);
    }
    expect(heard.queues).toContain('timeouts');
    proxy.stall();
    const startedAt = performance.now();
    await storage.close();
    expect(performance.now() - startedAt).toBeLessThan(LISTENER_END_GRACE_MS + MARGIN_MS);
  });

  it('closes promptly while calls wait on a silent store, cutting them instead of waiting out their timeout', async () => {
    await storage.close();
    storage = await openThroughProxy(30_000);
    proxy.stall();
    // Two calls on a pool of two: one on the idle connection, one opening a connection. (A call waiting for a free
    // connection is pg-pool's to fail, at connectionTimeoutMs.)
    const calls = ['a', 'b'].map((id) => timedRejection(() => storage.get(id)));
    const opened = proxy.stats.accepted;
    await eventually(async () => (proxy.stats.accepted > opened ? true : undefined), 'a call to open a connection', {
      intervalMs: 5,
    });
    const closingAt = performance.now();
    await storage.close();
    expect(performance.now() - closingAt).toBeLessThan(CLOSE_GRACE_MS + MARGIN_MS);
    for (const { error, elapsedMs } of await Promise.all(calls)) {
      expect(error).toBeInstanceOf(StorageError);
      expect(error.message).toMatch(/^get: /);
      expect(elapsedMs).toBeLessThan(CLOSE_GRACE_MS + MARGIN_MS);
    }
  });
});

describe('queryTimeoutMs and migrations', () => {
  it('lets a migration wait on another process’s migration lock longer than queryTimeoutMs', async () => {
    const schema = freshSchemaName();
    const holder = new pg.Client({ connectionString: DATABASE_URL });
    await holder.connect();
    const storage = new PostgresStorage({ connectionString: DATABASE_URL, schema, queryTimeoutMs: 200 });
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1::bigint)', [migrationLockKey(schema)]);
      // Settled into a value at once: a rejection must fail the test below, not escape unhandled meanwhile.
      const migrated = storage.migrate().then(
        () => null,
        (error: unknown) => error,
      );
      // Held for five query timeouts: both the driver's and the server's would have cut an ordinary statement.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await holder.query('COMMIT');
      expect(await migrated).toBeNull();
      expect((await storage.counts()).byState.enqueued).toBe(0);
    } finally {
      await holder.end();
      await storage.close();
      await dropSchema(schema);
    }
  });
});
