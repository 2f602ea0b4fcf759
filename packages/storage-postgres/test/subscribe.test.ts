// subscribe.test.ts: PostgresStorage's LISTEN/NOTIFY wake-ups beyond the conformance suite: a subscriber hears
// enqueues made through another storage's connection, the listener connection opens lazily, and after the server
// kills it the storage reports the drop and LISTENs again. Real time (see listen.ts), every wait bounded.
import { makeNewJob } from '@jobsmith/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresStorage } from '../src/index.js';
import { adminQuery, dropSchema, freshSchemaName, openStorage } from './helpers.js';
import { enqueueUntilHeard, eventually, Heard, listenerPids } from './listen.js';

describe('subscribe', () => {
  let schema: string;
  let errors: Error[];
  let a: PostgresStorage;
  let b: PostgresStorage;

  beforeEach(async () => {
    schema = freshSchemaName();
    errors = [];
    a = await openStorage(schema, undefined, { onError: (error) => errors.push(error) });
    b = await openStorage(schema);
  });

  afterEach(async () => {
    await Promise.all([a.close(), b.close()]);
    await dropSchema(schema);
  });

  /** Enqueues one job on `queue` through `storage` until `heard` hears it (the first LISTEN may still be on its way). */
  it('hears an enqueue made through another storage on its own connection', async () => {
    const heard = new Heard();
    a.subscribe(heard.listener);
    await enqueueUntilHeard(b, heard, 'emails');
    expect(errors).toEqual([]);
  });

  it('hears a promotion once per queue it enqueued into', async () => {
    const heard = new Heard();
    a.subscribe(heard.listener);
    await enqueueUntilHeard(b, heard, 'ready');
    const runAt = new Date('2030-01-01T01:00:00.000Z');
    const later = ['x', 'x', 'y'].map((queue) => makeNewJob({ queue, state: 'scheduled', runAt }));
    await b.enqueue({ jobs: later });
    heard.queues.length = 0;
    expect(await b.promoteDue({ now: new Date(runAt.getTime() + 1), limit: 10 })).toHaveLength(3);
    await heard.until('x');
    await heard.until('y');
    await enqueueUntilHeard(b, heard, 'marker'); // delivered after anything the promotion sent
    expect(heard.queues.filter((queue) => queue !== 'marker').sort()).toEqual(['x', 'y']);
  });

  it('hears a pool batch once per queue that got an enqueued job, after its commit', async () => {
    const heard = new Heard();
    a.subscribe(heard.listener);
    await enqueueUntilHeard(b, heard, 'ready');
    const held = makeNewJob({ queue: 'held', uniqueKey: 'only-one' });
    await b.enqueue({ jobs: [held] });
    await heard.until('held');
    heard.queues.length = 0;
    const runAt = new Date('2030-01-01T01:00:00.000Z');
    const jobs = [
      ...['x', 'x', 'y'].map((queue) => makeNewJob({ queue })),
      makeNewJob({ queue: 'later', state: 'scheduled', runAt }),
      makeNewJob({ queue: 'dup', uniqueKey: 'only-one' }),
    ];
    const results = await b.enqueue({ jobs });
    expect(results.map((result) => result.duplicate)).toEqual([false, false, false, false, true]);
    await heard.until('x');
    // The wake-up comes after the commit: a claim made on hearing it finds the jobs.
    expect(await a.fetchAndLock({ queues: ['x'], limit: 5, serverId: 's', leaseMs: 60_000 })).toHaveLength(2);
    await enqueueUntilHeard(b, heard, 'marker'); // delivered after anything the batch sent
    expect(heard.queues.filter((queue) => queue !== 'marker').sort()).toEqual(['x', 'y']);
  });

  it('opens no listener connection until the first subscribe', async () => {
    expect(await listenerPids(a)).toEqual([]);
    const heard = new Heard();
    a.subscribe(heard.listener);
    await enqueueUntilHeard(b, heard, 'q');
    expect(await listenerPids(a)).toHaveLength(1);
  });

  it('reports a terminated listener connection and listens again on a new one', async () => {
    const heard = new Heard();
    a.subscribe(heard.listener);
    await enqueueUntilHeard(b, heard, 'before');
    const [oldPid] = await listenerPids(a);
    expect(oldPid).toBeDefined();

    await adminQuery('SELECT pg_terminate_backend($1)', [oldPid]);
    const newPid = await eventually(async () => {
      const pids = await listenerPids(a);
      return pids.find((pid) => pid !== oldPid);
    }, 'a new LISTEN connection');
    expect(newPid).not.toBe(oldPid);
    await enqueueUntilHeard(b, heard, 'after');

    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toMatchObject({ name: 'StorageError', operation: 'subscribe' });
  });

  it('keeps delivering to the other subscribers when one throws, reporting the throw', async () => {
    a.subscribe(() => {
      throw new Error('subscriber bug');
    });
    const heard = new Heard();
    a.subscribe(heard.listener);
    await enqueueUntilHeard(b, heard, 'q');
    expect(errors.map((error) => error.message)).toContain('subscriber bug');
  });

  it('closes its listener connection on close', async () => {
    const heard = new Heard();
    a.subscribe(heard.listener);
    await enqueueUntilHeard(b, heard, 'q');
    await a.close();
    await eventually(async () => ((await listenerPids(a)).length === 0 ? true : undefined), 'listener gone');
    expect(errors).toEqual([]);
  });
});
