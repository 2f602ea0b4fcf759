// enqueue-race.test.ts: uniqueKey dedup under concurrency, which only a real server can show: two storages on their
// own pools enqueue batches over the same keys at once. Each key ends with exactly one unfinished holder, and every
// answer is either "written" or "duplicate of that holder", even when the holder committed mid-statement.
import { eventually, makeNewJob } from '@jobsmith/core/testing';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresStorage } from '../src/index.js';
import { adminQuery, DATABASE_URL, dropSchema, freshSchemaName, openStorage } from './helpers.js';

describe('enqueue races', () => {
  let schema: string;
  let storages: PostgresStorage[];

  beforeEach(async () => {
    schema = freshSchemaName();
    storages = [await openStorage(schema), await openStorage(schema)];
  });

  afterEach(async () => {
    await Promise.all(storages.map((storage) => storage.close()));
    await dropSchema(schema);
  });

  it('answers every racing job with the one holder of its uniqueKey', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);
    const calls = storages.flatMap((storage) =>
      [0, 1, 2].map((round) => {
        // Each call walks the keys in its own order, so the callers collide on different keys first.
        const order = round % 2 === 0 ? keys : [...keys].reverse();
        const jobs = order.map((uniqueKey) => makeNewJob({ uniqueKey }));
        return storage.enqueue({ jobs }).then((results) => ({ jobs, results }));
      }),
    );
    const answers = await Promise.all(calls);

    const holders = new Map<string, string>();
    for (const job of await storages[0]!.list({ limit: 1_000, offset: 0 })) {
      expect(holders.has(job.uniqueKey as string), `two holders of ${job.uniqueKey}`).toBe(false);
      holders.set(job.uniqueKey as string, job.id);
    }
    expect([...holders.keys()].sort()).toEqual([...keys].sort());
    for (const { jobs, results } of answers) {
      for (const [index, job] of jobs.entries()) {
        const holder = holders.get(job.uniqueKey as string);
        expect(results[index]).toEqual({ id: holder, duplicate: holder !== job.id });
      }
    }
  });

  it('answers racing single-job calls (enqueue-one.sql) with the one holder of their uniqueKey', async () => {
    const calls = storages.flatMap((storage) =>
      Array.from({ length: 10 }, () => {
        const job = makeNewJob({ uniqueKey: 'single' });
        return storage.enqueue({ jobs: [job] }).then(([result]) => ({ job, result }));
      }),
    );
    const answers = await Promise.all(calls);

    const holders = await storages[0]!.list({ limit: 100, offset: 0 });
    expect(holders).toHaveLength(1);
    const holder = holders[0]!.id;
    for (const { job, result } of answers) expect(result).toEqual({ id: holder, duplicate: holder !== job.id });
  });

  // The batch's statement meets the key after its snapshot was taken: it must answer with the holder that commits
  // meanwhile, in the same statement (a second one would come after its own commit, leaving the batch half written
  // should it fail).
  it('answers a job whose uniqueKey a transaction commits while the batch waits on it, writing the rest', async () => {
    const app = new pg.Client({ connectionString: DATABASE_URL });
    await app.connect();
    try {
      const holder = makeNewJob({ uniqueKey: 'held' });
      await app.query('BEGIN');
      await storages[0]!.enqueue({ jobs: [holder], tx: app });
      const batch = [makeNewJob(), makeNewJob({ uniqueKey: 'held' }), makeNewJob({ uniqueKey: 'free' })];
      const answered = storages[1]!.enqueue({ jobs: batch });
      await eventually(async () => ((await waitingOn(app)) > 0 ? true : undefined), 'the batch to wait on the holder');
      await app.query('COMMIT');
      expect(await answered).toEqual([
        { id: batch[0]!.id, duplicate: false },
        { id: holder.id, duplicate: true },
        { id: batch[2]!.id, duplicate: false },
      ]);
      const stored = await storages[0]!.list({ limit: 10, offset: 0 });
      expect(stored.map((job) => job.id).sort()).toEqual([holder.id, batch[0]!.id, batch[2]!.id].sort());
    } finally {
      await app.end();
    }
  });

  it('leaves one holder per key when batches of keep and replace jobs race over the same keys', async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);
    const calls = storages.flatMap((storage, index) =>
      [0, 1, 2].map((round) => {
        const order = (index + round) % 2 === 0 ? keys : [...keys].reverse();
        const jobs = order.map((uniqueKey, at) =>
          makeNewJob({ uniqueKey, onDuplicate: (at + round) % 2 === 0 ? 'replace' : 'keep' }),
        );
        return storage.enqueue({ jobs }).then((results) => ({ jobs, results }));
      }),
    );
    const answers = await Promise.all(calls);

    const stored = await storages[0]!.list({ limit: 1_000, offset: 0 });
    expect(stored.map((job) => job.uniqueKey).sort()).toEqual([...keys].sort());
    const holders = new Map(stored.map((job) => [job.uniqueKey, job.id]));
    for (const { jobs, results } of answers) {
      for (const [index, job] of jobs.entries()) expect(results[index]?.id).toBe(holders.get(job.uniqueKey));
    }
  });

  // A replace locks the holders it can see; a holder committed after that (here: while the replace's insert waits on
  // it) makes the insert skip the job, and the whole replace path runs again and replaces that holder.
  it('replaces a holder a transaction commits while the replace waits on it', async () => {
    const app = new pg.Client({ connectionString: DATABASE_URL });
    await app.connect();
    try {
      const holder = makeNewJob({ uniqueKey: 'held', payloadValue: { n: 1 } });
      await app.query('BEGIN');
      await storages[0]!.enqueue({ jobs: [holder], tx: app });
      const fresh = makeNewJob();
      const replacing = makeNewJob({ uniqueKey: 'held', onDuplicate: 'replace', payloadValue: { n: 2 } });
      const answered = storages[1]!.enqueue({ jobs: [fresh, replacing] });
      await eventually(
        async () => ((await waitingOn(app)) > 0 ? true : undefined),
        'the replace to wait on the holder',
      );
      await app.query('COMMIT');
      expect(await answered).toEqual([
        { id: fresh.id, duplicate: false },
        { id: holder.id, duplicate: true },
      ]);
      expect(await storages[0]!.get(holder.id)).toMatchObject({ payload: { n: 2 }, uniqueKey: 'held' });
      expect((await storages[0]!.list({ limit: 10, offset: 0 })).map((job) => job.id).sort()).toEqual(
        [holder.id, fresh.id].sort(),
      );
    } finally {
      await app.end();
    }
  });
});

/** Sessions waiting on a lock that `client`'s session holds. */
async function waitingOn(client: pg.Client): Promise<number> {
  const { rows } = await adminQuery<{ n: number }>(
    'SELECT count(*)::integer AS n FROM pg_stat_activity WHERE $1::integer = ANY (pg_blocking_pids(pid))',
    [(await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid],
  );
  return rows[0]?.n ?? 0;
}
