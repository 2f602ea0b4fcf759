// transactional-enqueue.test.ts: jobs enqueued inside the app's own better-sqlite3 transaction commit or roll back
// with the app's rows (enqueueSync, and enqueue({ tx })), and an app-owned Database stays the app's.
import { ManualClock, StorageError, ValidationError } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteStorage } from '../src/index.js';

describe('transactional enqueue', () => {
  let db: Database.Database;
  let storage: SqliteStorage;
  const clock = new ManualClock();

  beforeEach(async () => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT NOT NULL)');
    storage = new SqliteStorage({ database: db, clock });
    await storage.migrate();
  });

  afterEach(async () => {
    await storage.close();
    db.close();
  });

  const orderCount = () => (db.prepare('SELECT COUNT(*) AS n FROM orders').get() as { n: number }).n;

  it('commits the job with the app rows when the transaction commits', async () => {
    const job = makeNewJob({ method: 'ship_order' }, clock.now());
    const placeOrder = db.transaction(() => {
      db.prepare('INSERT INTO orders (item) VALUES (?)').run('book');
      return storage.enqueueSync({ jobs: [job] });
    });
    expect(placeOrder()).toEqual([{ id: job.id, duplicate: false }]);
    expect(orderCount()).toBe(1);
    expect(await storage.get(job.id)).toMatchObject({ id: job.id, state: 'enqueued', method: 'ship_order' });
  });

  it('leaves no job when the app transaction rolls back', async () => {
    const job = makeNewJob({}, clock.now());
    const placeOrder = db.transaction(() => {
      db.prepare('INSERT INTO orders (item) VALUES (?)').run('book');
      storage.enqueueSync({ jobs: [job] });
      throw new Error('payment declined');
    });
    expect(() => placeOrder()).toThrow('payment declined');
    expect(orderCount()).toBe(0);
    expect(await storage.get(job.id)).toBeNull();
    expect((await storage.counts()).byState.enqueued).toBe(0);
  });

  it('accepts enqueue({ tx }) with the Database, writing before it returns so the transaction holds the job', async () => {
    const kept = makeNewJob({}, clock.now());
    const dropped = makeNewJob({}, clock.now());
    let pending: Promise<unknown> | undefined;
    db.transaction(() => {
      pending = storage.enqueue({ jobs: [kept], tx: db });
    })();
    await expect(pending).resolves.toEqual([{ id: kept.id, duplicate: false }]);
    expect(() =>
      db.transaction(() => {
        pending = storage.enqueue({ jobs: [dropped], tx: db });
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    await pending;
    expect(await storage.get(kept.id)).not.toBeNull();
    expect(await storage.get(dropped.id)).toBeNull();
  });

  it('writes nothing for a rejected enqueue inside the app transaction and leaves the app rows to the app', async () => {
    const job = makeNewJob({}, clock.now());
    const bad = { ...makeNewJob({}, clock.now()), runAt: new Date(Number.NaN) };
    db.transaction(() => {
      db.prepare('INSERT INTO orders (item) VALUES (?)').run('book');
      storage.enqueueSync({ jobs: [job] });
      expect(() => storage.enqueueSync({ jobs: [bad] })).toThrow(ValidationError);
    })();
    expect(orderCount()).toBe(1);
    expect(await storage.get(job.id)).not.toBeNull();
  });

  it('rejects a tx that is not the storage Database, naming the field', async () => {
    const other = new Database(':memory:');
    try {
      const job = makeNewJob({}, clock.now());
      await expect(storage.enqueue({ jobs: [job], tx: other })).rejects.toThrow(
        expect.objectContaining({ name: 'ValidationError', field: 'tx' }),
      );
      expect(await storage.get(job.id)).toBeNull();
    } finally {
      other.close();
    }
  });

  it('declares transactionalEnqueue, and multiProcess false for an in-memory Database', () => {
    expect(storage.capabilities).toMatchObject({ transactionalEnqueue: true, multiProcess: false, push: true });
  });

  it('exposes the app Database as storage.database', () => {
    expect(storage.database).toBe(db);
  });

  it('leaves the app Database open on close', async () => {
    await storage.close();
    expect(db.open).toBe(true);
    expect(orderCount()).toBe(0);
    expect(() => storage.enqueueSync({ jobs: [makeNewJob({}, clock.now())] })).toThrow(StorageError);
  });
});

describe('transactional enqueue on a storage-owned connection', () => {
  it('joins a transaction run on storage.database', async () => {
    const clock = new ManualClock();
    const storage = new SqliteStorage({ filename: ':memory:', clock });
    try {
      const { database } = storage;
      database.exec('CREATE TABLE audit (note TEXT)');
      const job = makeNewJob({}, clock.now());
      expect(() =>
        database.transaction(() => {
          database.prepare('INSERT INTO audit VALUES (?)').run('queued');
          storage.enqueueSync({ jobs: [job], tx: database });
          throw new Error('undo');
        })(),
      ).toThrow('undo');
      expect(await storage.get(job.id)).toBeNull();
      expect(database.prepare('SELECT COUNT(*) AS n FROM audit').get()).toEqual({ n: 0 });
    } finally {
      await storage.close();
    }
  });
});
