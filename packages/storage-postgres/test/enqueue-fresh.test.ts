// enqueue-fresh.test.ts: a batch of jobs with generated ids and no uniqueKey goes through enqueue-fresh.sql (a plain
// INSERT). When an id exists after all, that statement writes nothing and enqueue.sql answers the batch: every job
// already stored is a duplicate, every other one is written once, and nothing is left half-written. Inside an app's
// transaction the plain INSERT is never tried, so a duplicate there cannot abort the app's work.
import { JobClient, type NewJob } from '@jobsmith/core';
import { buildNewJob } from '@jobsmith/core/storage';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PostgresStorage } from '../src/index.js';
import { DATABASE_URL, dropSchema, freshSchemaName, openStorage } from './helpers.js';
import { enqueueUntilHeard, Heard } from './listen.js';

/** Jobs as JobClient builds them: generated ids, no uniqueKey. */
function builtJobs(count: number, queue = 'default'): NewJob[] {
  const now = new Date();
  return Array.from({ length: count }, (_, i) => buildNewJob('enqueue', 'send', { i }, { queue }, now));
}

describe('enqueue of jobs with generated ids', () => {
  let schema: string;
  let storage: PostgresStorage;

  beforeEach(async () => {
    schema = freshSchemaName();
    storage = await openStorage(schema);
  });

  afterEach(async () => {
    await storage.close();
    await dropSchema(schema);
  });

  it('writes a batch and announces each queue that got jobs', async () => {
    const heard = new Heard();
    storage.subscribe(heard.listener);
    await enqueueUntilHeard(storage, heard, 'marker');
    const jobs = [...builtJobs(3, 'mail'), ...builtJobs(2, 'reports')];

    const results = await storage.enqueue({ jobs });

    expect(results).toEqual(jobs.map((job) => ({ id: job.id, duplicate: false })));
    expect((await storage.counts()).byQueue).toMatchObject({ mail: { enqueued: 3 }, reports: { enqueued: 2 } });
    await heard.until('mail');
    await heard.until('reports');
  });

  it('answers a batch holding stored ids again: those are duplicates, the new ones written once', async () => {
    const stored = builtJobs(4);
    await storage.enqueue({ jobs: stored });
    const fresh = builtJobs(3);
    const batch = [stored[0], fresh[0], stored[1], fresh[1], fresh[2], stored[3]] as NewJob[];

    const results = await storage.enqueue({ jobs: batch });

    expect(results).toEqual(batch.map((job) => ({ id: job.id, duplicate: stored.includes(job) })));
    expect((await storage.counts()).byState.enqueued).toBe(7);
    const listed = await storage.list({ limit: 100, offset: 0 });
    expect(listed.map((job) => job.id).sort()).toEqual([...stored, ...fresh].map((job) => job.id).sort());
  });

  it("keeps an app's transaction alive when its batch repeats a stored id", async () => {
    const stored = builtJobs(2);
    await storage.enqueue({ jobs: stored });
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      await client.query('BEGIN');
      const fresh = builtJobs(1);
      const results = await storage.enqueue({ jobs: [stored[0] as NewJob, ...fresh], tx: client });
      // The transaction still works after the duplicate: a failed statement would have aborted it.
      await client.query('SELECT 1');
      await client.query('COMMIT');
      expect(results).toEqual([
        { id: stored[0]?.id, duplicate: true },
        { id: fresh[0]?.id, duplicate: false },
      ]);
    } finally {
      await client.end();
    }
    expect((await storage.counts()).byState.enqueued).toBe(3);
  });

  it('writes what JobClient.enqueueMany builds, in order', async () => {
    const client = new JobClient(storage);
    const ids = await client.enqueueMany(
      Array.from({ length: 50 }, (_, i) => ({ method: 'send', payload: { i }, options: { priority: i % 3 } })),
    );
    expect(new Set(ids).size).toBe(50);
    const jobs = await Promise.all(ids.map((id) => storage.get(id)));
    expect(jobs.map((job) => (job?.payload as { i: number } | undefined)?.i)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
  });
});
