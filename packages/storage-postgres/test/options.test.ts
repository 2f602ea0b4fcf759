// options.test.ts: construction and connection failures. Bad options throw a ConfigError naming the field before
// any connection; an unreachable server, an unknown role or database give a StorageError naming host and database
// and never the password; an app-owned pool is used, never ended; a closed storage rejects every call.
import { ConfigError, ManualClock, StorageError, systemClock } from '@jobsmith/core';
import { StoreClock } from '@jobsmith/core/storage';
import { makeNewJob } from '@jobsmith/core/testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresStorage, type PostgresStorageOptions } from '../src/index.js';
import { DATABASE_URL, dropSchema, freshSchemaName } from './helpers.js';
import { Heard } from './listen.js';

const PASSWORD = 'pa55-W0rd_not-to-leak';
/** Port 1 on loopback: nothing listens there, so connecting is refused at once. */
const CLOSED_PORT_URL = `postgres://postgres:${PASSWORD}@127.0.0.1:1/jobsmith_db`;

/** The error `work` rejects with. */
async function rejection(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('PostgresStorage options', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A storage closed after the test. */
  function track(storage: PostgresStorage): PostgresStorage {
    cleanups.push(() => storage.close());
    return storage;
  }

  describe('constructor', () => {
    const bad: [string, PostgresStorageOptions, string][] = [
      ['an unknown option', { connectionString: DATABASE_URL, url: 'x' } as PostgresStorageOptions, 'url'],
      ['neither connectionString nor pool', {}, 'connectionString'],
      ['an empty connectionString', { connectionString: ' ' }, 'connectionString'],
      ['both connectionString and pool', { connectionString: DATABASE_URL, pool: new pg.Pool() }, 'pool'],
      ['a pool that is not a pool', { pool: {} as pg.Pool }, 'pool'],
      ['a schema with a dash', { connectionString: DATABASE_URL, schema: 'job-smith' }, 'schema'],
      ['a schema with a quote', { connectionString: DATABASE_URL, schema: 'a"; DROP SCHEMA x; --' }, 'schema'],
      ['a schema starting with a digit', { connectionString: DATABASE_URL, schema: '1jobs' }, 'schema'],
      ['a reserved pg_ schema', { connectionString: DATABASE_URL, schema: 'pg_jobs' }, 'schema'],
      ['a 59-character schema', { connectionString: DATABASE_URL, schema: 's'.repeat(59) }, 'schema'],
      ['poolSize 0', { connectionString: DATABASE_URL, poolSize: 0 }, 'poolSize'],
      [
        'a fractional connectionTimeoutMs',
        { connectionString: DATABASE_URL, connectionTimeoutMs: 1.5 },
        'connectionTimeoutMs',
      ],
      ['a negative queryTimeoutMs', { connectionString: DATABASE_URL, queryTimeoutMs: -1 }, 'queryTimeoutMs'],
      ['a syncClock that is not a boolean', { connectionString: DATABASE_URL, syncClock: 1 as never }, 'syncClock'],
      [
        'a durableClaims that is not a boolean',
        { connectionString: DATABASE_URL, durableClaims: 'yes' as never },
        'durableClaims',
      ],
      ['a clock without sleep', { connectionString: DATABASE_URL, clock: { now: () => new Date() } as never }, 'clock'],
    ];
    for (const [what, options, field] of bad) {
      it(`rejects ${what} with a ConfigError naming ${field}`, () => {
        expect(() => new PostgresStorage(options)).toThrow(ConfigError);
        expect(() => new PostgresStorage(options)).toThrow(new RegExp(`PostgresStorageOptions\\.${field}\\b`));
      });
    }

    it('never echoes a connectionString in its errors', () => {
      const options = { connectionString: CLOSED_PORT_URL, poolSize: -1 };
      expect(() => new PostgresStorage(options)).toThrow(ConfigError);
      expect(() => new PostgresStorage(options)).not.toThrow(new RegExp(PASSWORD));
    });

    it('declares every capability, and the system clock on store time and jobsmith schema by default', () => {
      const storage = track(new PostgresStorage({ connectionString: DATABASE_URL }));
      expect(storage.capabilities).toEqual({
        push: true,
        crossProcessPush: true,
        multiProcess: true,
        transactionalEnqueue: true,
        storeClock: true,
      });
      expect(storage.clock).toBeInstanceOf(StoreClock);
      expect(storage.schema).toBe('jobsmith');
    });

    it('keeps a given clock as it is, without store time, unless syncClock is set', () => {
      const clock = new ManualClock();
      const given = track(new PostgresStorage({ connectionString: DATABASE_URL, clock }));
      expect(given.clock).toBe(clock);
      expect(given.capabilities.storeClock).toBe(false);
      const synced = track(new PostgresStorage({ connectionString: DATABASE_URL, clock, syncClock: true }));
      expect(synced.clock).toBeInstanceOf(StoreClock);
      expect(synced.capabilities.storeClock).toBe(true);
      const unsynced = track(new PostgresStorage({ connectionString: DATABASE_URL, syncClock: false }));
      expect(unsynced.clock).toBe(systemClock);
      expect(unsynced.capabilities.storeClock).toBe(false);
    });
  });

  describe('connection failures', () => {
    it('names host and database, and not the password, when nothing listens on the port', async () => {
      const storage = track(new PostgresStorage({ connectionString: CLOSED_PORT_URL }));
      const error = await rejection(storage.get('job-1'));
      expect(error).toBeInstanceOf(StorageError);
      expect(error.message).toMatch(
        /cannot connect to PostgreSQL \(host 127\.0\.0\.1:1, database jobsmith_db, user \w+\)/,
      );
      expect(error.message).not.toContain(PASSWORD);
      expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(PASSWORD);
    });

    it('names host and database, and not the password, for a role the server refuses', async () => {
      const url = new URL(DATABASE_URL);
      url.username = 'jobsmith_no_such_role';
      url.password = PASSWORD;
      const storage = track(new PostgresStorage({ connectionString: url.toString() }));
      const error = await rejection(storage.migrate());
      expect(error).toBeInstanceOf(StorageError);
      expect(error.message).toContain(`host ${url.hostname}:${url.port || 5432}`);
      expect(error.message).toContain(`database ${url.pathname.slice(1)}`);
      expect(error.message).not.toContain(PASSWORD);
    });

    it('names the database the server does not have', async () => {
      const url = new URL(DATABASE_URL);
      url.pathname = '/jobsmith_no_such_database';
      const storage = track(new PostgresStorage({ connectionString: url.toString() }));
      const error = await rejection(storage.enqueue({ jobs: [makeNewJob()] }));
      expect(error).toBeInstanceOf(StorageError);
      expect(error.message).toContain('database jobsmith_no_such_database');
    });

    it('tries again on the next call after a failed lazy migration', async () => {
      const storage = track(new PostgresStorage({ connectionString: CLOSED_PORT_URL }));
      await expect(storage.counts()).rejects.toBeInstanceOf(StorageError);
      await expect(storage.counts()).rejects.toThrow(/cannot connect/);
    });
  });

  describe('an app-owned pool', () => {
    it('runs on the pool, wakes subscribers through its settings, and leaves it open on close', async () => {
      const schema = freshSchemaName();
      const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 3 });
      cleanups.push(async () => {
        await pool.end();
        await dropSchema(schema);
      });
      const storage = new PostgresStorage({ pool, schema });
      const heard = new Heard();
      storage.subscribe(heard.listener);
      for (let tries = 0; tries < 40 && heard.queues.length === 0; tries++) {
        await storage.enqueue({ jobs: [makeNewJob({ queue: 'app' })] });
        await heard.until('app', 250).catch(() => undefined);
      }
      expect(heard.queues).toContain('app');
      await storage.close();
      expect(pool.ended).toBe(false);
      const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::integer AS n FROM "${schema}".jobs`);
      expect(rows[0]?.n).toBeGreaterThan(0);
    });
  });

  describe('close', () => {
    it('makes every later call reject with a StorageError naming the operation, and is idempotent', async () => {
      const storage = new PostgresStorage({ connectionString: DATABASE_URL, schema: freshSchemaName() });
      await storage.close();
      await storage.close();
      await expect(storage.get('x')).rejects.toThrow(/^get: storage failed: PostgresStorage is closed$/);
      await expect(storage.migrate()).rejects.toBeInstanceOf(StorageError);
      const fetch = storage.fetchAndLock({ serverId: 's', queues: [], limit: 1, leaseMs: 1 });
      await expect(fetch).rejects.toThrow(/fetchAndLock: storage failed: PostgresStorage is closed/);
    });
  });
});
