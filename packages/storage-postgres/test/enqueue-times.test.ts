// enqueue-times.test.ts: a batch enqueue sends runAt / createdAt as epoch milliseconds (enqueue.sql turns them back
// into timestamps); every Date must come back to the millisecond, before 1970, mid-second and at the end of 9999.
import { makeNewJob } from '@jobsmith/core/testing';
import { describe, expect, it } from 'vitest';
import { storageForSuite } from './helpers.js';

/** Instants a float division of milliseconds would round, or whose negative epoch splits seconds the other way. */
const INSTANTS = [
  '1969-12-31T23:59:59.999Z',
  '1900-06-15T12:34:56.789Z',
  '1970-01-01T00:00:00.001Z',
  '2026-11-23T08:38:11.123Z',
  '4383-01-25T15:00:23.197Z',
  '9999-12-31T23:59:59.999Z',
].map((text) => new Date(text));

describe('enqueue times', () => {
  const { storage } = storageForSuite();

  it('stores every runAt and createdAt of a batch to the millisecond', async () => {
    const jobs = INSTANTS.map((instant) => makeNewJob({ state: 'scheduled', runAt: instant }, instant));
    const results = await storage().enqueue({ jobs });
    expect(results.map((result) => result.duplicate)).toEqual(jobs.map(() => false));
    for (const [index, job] of jobs.entries()) {
      const stored = await storage().get(job.id);
      const expected = INSTANTS[index]?.getTime();
      expect(stored?.runAt.getTime()).toBe(expected);
      expect(stored?.createdAt.getTime()).toBe(expected);
      expect(stored?.updatedAt.getTime()).toBe(expected);
    }
  });
});
