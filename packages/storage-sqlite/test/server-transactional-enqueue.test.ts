// server-transactional-enqueue.test.ts: a job enqueued inside the app's own `db.transaction(...)` that rolls back is
// never run by a server process sharing the file, while one enqueued by a committed transaction is. The committed
// job is enqueued after the rolled-back one, so once it has run the rolled-back one would have run too (FIFO, one
// worker) had it existed. Real time: the server is a real process on the same file.
import { TEST_METHODS, useServerIntegrationContext } from '@jobsmith/core/testing';
import { expect, it } from 'vitest';
import { sqliteServerHarness } from './server-harness.js';

const ctx = useServerIntegrationContext(sqliteServerHarness);

it('never runs a job whose enqueue rolled back with the app transaction', { timeout: 30_000 }, async () => {
  const { processes, client, storage } = ctx;
  const db = storage.database;
  db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT NOT NULL)');
  const server = await processes.start('a', { workerCount: 1, pollingIntervalMs: 100 });

  const enqueued: Promise<string>[] = [];
  /** Inserts an order and enqueues its job in one app transaction; 'rollback' throws inside it. */
  const placeOrder = (item: string, outcome: 'commit' | 'rollback') =>
    db.transaction(() => {
      db.prepare('INSERT INTO orders (item) VALUES (?)').run(item);
      enqueued.push(client.enqueue(TEST_METHODS.record, { item }, { tx: db }));
      if (outcome === 'rollback') throw new Error(`payment for ${item} declined`);
    })();

  expect(() => placeOrder('book', 'rollback')).toThrow('payment for book declined');
  placeOrder('pen', 'commit');
  const [declined, paid] = (await Promise.all(enqueued)) as [string, string];
  await processes.waitUntil(() => server.reached(paid, 'succeeded'), 'the committed job to succeed');

  expect(server.records.map((record) => record.jobId)).toEqual([paid]);
  expect(await client.get(declined)).toBeNull();
  expect(db.prepare('SELECT item FROM orders').pluck().all()).toEqual(['pen']);
  expect((await storage.counts()).byState).toMatchObject({ succeeded: 1, enqueued: 0, processing: 0 });
});
