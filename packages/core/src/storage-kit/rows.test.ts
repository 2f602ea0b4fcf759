// rows.test.ts: the shared readers give the same Job whatever form a SQL driver returns instants in, and a
// job error survives the JSON round trip even when it is an Error instance.
import { describe, expect, it } from 'vitest';
import {
  copyJobError,
  jobErrorFromJson,
  jobErrorToJson,
  jobFromSqlRow,
  recurringFromSqlRow,
  type SqlJobRow,
} from './rows.js';

const AT_MS = Date.UTC(2030, 0, 1, 12, 0, 0, 123);

function row(instant: Date | number | string): SqlJobRow {
  return {
    id: 'job-1',
    method: 'send',
    payload: '{"to":"a@b.c"}',
    queue: 'default',
    priority: 2,
    state: 'failed',
    attempt: 1,
    max_attempts: 5,
    timeout_ms: '60000',
    run_at: instant,
    created_at: instant,
    updated_at: instant,
    started_at: instant,
    finished_at: null,
    expires_at: null,
    locked_by: null,
    locked_until: null,
    lease_id: null,
    unique_key: 'k',
    metadata: '{"team":"ops"}',
    result: null,
    last_error: '{"message":"boom","name":"Error"}',
    progress: 0.5,
  };
}

describe('jobFromSqlRow', () => {
  it('reads the same job from Date, epoch ms and string instants', () => {
    const fromDate = jobFromSqlRow(row(new Date(AT_MS)));
    expect(jobFromSqlRow(row(AT_MS))).toEqual(fromDate);
    expect(jobFromSqlRow(row(new Date(AT_MS).toISOString()))).toEqual(fromDate);
    expect(fromDate).toMatchObject({
      payload: { to: 'a@b.c' },
      timeoutMs: 60_000,
      runAt: new Date(AT_MS),
      metadata: { team: 'ops' },
      lastError: { message: 'boom', name: 'Error' },
      finishedAt: null,
    });
  });

  it('returns fresh Dates, never the driver values', () => {
    const runAt = new Date(AT_MS);
    const job = jobFromSqlRow(row(runAt));
    expect(job.runAt).toEqual(runAt);
    expect(job.runAt).not.toBe(runAt);
  });
});

describe('recurringFromSqlRow', () => {
  it('parses metadata and keeps the payload as its JSON text', () => {
    const def = recurringFromSqlRow({
      id: 'nightly',
      cron: '0 3 * * *',
      timezone: 'UTC',
      method: 'cleanup',
      payload: '{"deep":true}',
      queue: 'default',
      priority: 0,
      max_attempts: 3,
      timeout_ms: null,
      metadata: '{}',
      misfire: 'once',
      overlap: 'skip',
      next_run_at: AT_MS,
      last_run_at: null,
      created_at: AT_MS,
      updated_at: AT_MS,
    });
    expect(def).toMatchObject({
      payload: '{"deep":true}',
      metadata: {},
      timeoutMs: null,
      overlap: 'skip',
      nextRunAt: new Date(AT_MS),
    });
  });
});

describe('job error JSON', () => {
  it('keeps the message, name and stack of an Error instance', () => {
    const error = new TypeError('bad input');
    const text = jobErrorToJson(error);
    expect(jobErrorFromJson(text)).toEqual({ message: 'bad input', name: 'TypeError', stack: error.stack });
  });

  it('maps null, undefined and empty text to null', () => {
    expect(jobErrorToJson(null)).toBeNull();
    expect(copyJobError(undefined)).toBeNull();
    expect(jobErrorFromJson(null)).toBeNull();
    expect(jobErrorFromJson('')).toBeNull();
  });
});
