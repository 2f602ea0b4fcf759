// transactional-enqueue.test.ts: enqueue({ jobs, tx }) with an app-owned pg client inside the app's transaction:
// the job commits or rolls back with the app's own rows, is invisible to workers until commit, and wakes nobody
// when rolled back.
import { ValidationError } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresStorage } from '../src/index.js';
import { DATABASE_URL, dropSchema, freshSchemaName, openStorage } from './helpers.js';
import { Heard } from './listen.js';

describe('enqueue with an app transaction', () => {
  let schema: string;
  let storage: PostgresStorage;
  let appPool: pg.Pool;
  let app: pg.PoolClient;

  beforeEach(async () => {
    schema = freshSchemaName();
    storage = await openStorage(schema);
    appPool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    app = await appPool.connect();
    await app.query(`CREATE TABLE "${schema}".orders (id integer PRIMARY KEY)`);
  });

  afterEach(async () => {
    app.release();
    await appPool.end();
    await storage.close();
    await dropSchema(schema);
  });

  /** In one app transaction: inserts order `orderId`, enqueues `job` with the app's client, then commits or not. */
  async function orderWithJob(orderId: number, job = makeNewJob(), end: 'COMMIT' | 'ROLLBACK' = 'COMMIT') {
    await app.query('BEGIN');
    await app.query(`INSERT INTO "${schema}".orders (id) VALUES ($1)`, [orderId]);
    const result = await storage.enqueue({ jobs: [job], tx: app });
    expect(await storage.get(job.id)).toBeNull(); // other connections cannot see it before commit
    await app.query(end);
    return { job, result };
  }

  async function orderCount(): Promise<number> {
    const { rows } = await app.query<{ n: number }>(`SELECT count(*)::integer AS n FROM "${schema}".orders`);
    return rows[0]?.n ?? -1;
  }

  it('writes nothing when the app rolls back', async () => {
    const { job, result } = await orderWithJob(1, makeNewJob(), 'ROLLBACK');
    expect(result).toEqual([{ id: job.id, duplicate: false }]);
    expect(await orderCount()).toBe(0);
    expect(await storage.get(job.id)).toBeNull();
    expect((await storage.counts()).byState.enqueued).toBe(0);
  });

  it('makes the job claimable once the app commits', async () => {
    const { job } = await orderWithJob(1);
    expect(await orderCount()).toBe(1);
    const claimed = await storage.fetchAndLock({ serverId: 's#1', queues: [], limit: 5, leaseMs: 1_000 });
    expect(claimed.map((entry) => entry.id)).toEqual([job.id]);
  });

  it('wakes subscribers at commit and never for a rolled-back job', async () => {
    const heard = new Heard();
    storage.subscribe(heard.listener);
    for (let tries = 0; tries < 40 && !heard.queues.includes('warm-up'); tries++) {
      await storage.enqueue({ jobs: [makeNewJob({ queue: 'warm-up' })] });
      await heard.until('warm-up', 250).catch(() => undefined);
    }
    await orderWithJob(1, makeNewJob({ queue: 'rolled-back' }), 'ROLLBACK');
    await orderWithJob(2, makeNewJob({ queue: 'committed' }));
    await heard.until('committed');
    // Notifications arrive in commit order, so hearing 'committed' means 'rolled-back' would already be here.
    expect(heard.queues).not.toContain('rolled-back');
  });

  it('rolls back with the app when a later statement of its transaction fails', async () => {
    const job = makeNewJob();
    await app.query('BEGIN');
    await storage.enqueue({ jobs: [job], tx: app });
    await expect(app.query('SELECT 1 / 0')).rejects.toThrow(/division by zero/);
    await app.query('ROLLBACK');
    expect(await storage.get(job.id)).toBeNull();
  });

  it("replaces a holder (onDuplicate 'replace') with the app's commit, and not at all when it rolls back", async () => {
    const holder = makeNewJob({ uniqueKey: 'k', payloadValue: { n: 1 } });
    await storage.enqueue({ jobs: [holder] });
    for (const [n, end] of [
      [2, 'ROLLBACK'],
      [3, 'COMMIT'],
    ] as const) {
      await app.query('BEGIN');
      const replacing = makeNewJob({ uniqueKey: 'k', onDuplicate: 'replace', payloadValue: { n } });
      expect(await storage.enqueue({ jobs: [replacing], tx: app })).toEqual([{ id: holder.id, duplicate: true }]);
      expect(await storage.get(holder.id)).toMatchObject({ payload: { n: 1 } });
      await app.query(end);
    }
    expect(await storage.get(holder.id)).toMatchObject({ payload: { n: 3 } });
    expect((await storage.counts()).byState.enqueued).toBe(1);
  });

  it('refuses a pool as tx, which would write outside the app transaction', async () => {
    const attempt = storage.enqueue({ jobs: [makeNewJob()], tx: appPool as unknown as pg.ClientBase });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ field: 'tx' });
  });
});
