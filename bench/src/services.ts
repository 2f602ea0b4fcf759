// services.ts: where Postgres and Redis are, whether they answer, and the helpers that give each run its own
// isolated corner of them (a fresh schema or key prefix) and remove it afterwards. It never creates a server.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';
import type { Store } from './system.js';

/** The slice of pg's Client used here (bench has no @types/pg, so it is typed by hand). */
interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
type PgClientConstructor = new (config: { connectionString: string; connectionTimeoutMillis: number }) => PgClient;
const pg = createRequire(import.meta.url)('pg') as { Client: PgClientConstructor };

/** Connection URLs, from DATABASE_URL / REDIS_URL or the local defaults. */
export interface ServiceUrls {
  postgres: string;
  redis: string;
}

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** How to start each service locally, printed when it cannot be reached. */
export const START_HINTS: Readonly<Record<'postgres' | 'redis', string>> = {
  postgres: 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  redis: 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no',
};

const PROBE_TIMEOUT_MS = 3000;

export function serviceUrls(env: NodeJS.ProcessEnv = process.env): ServiceUrls {
  return { postgres: env.DATABASE_URL ?? DEFAULT_POSTGRES_URL, redis: env.REDIS_URL ?? DEFAULT_REDIS_URL };
}

/** A name no other run uses: `<tag>_<pid>_<random>`, safe as a schema name, key prefix or file name. */
export function isolationName(tag: string): string {
  return `jsbench_${tag}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** The reason a store cannot be used (with how to start it), or null when it answers. */
export async function probeStore(store: Store, urls: ServiceUrls): Promise<string | null> {
  if (store === 'memory' || store === 'sqlite') return null;
  try {
    if (store === 'postgres') await probePostgres(urls.postgres);
    else await probeRedis(urls.redis);
    return null;
  } catch (error) {
    const url = store === 'postgres' ? urls.postgres : urls.redis;
    return `${store} is not reachable at ${redact(url)} (${describe(error)}); start it with: ${START_HINTS[store]}`;
  }
}

async function probePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function probeRedis(url: string): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}

/** Drops `schema` and everything in it. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: PROBE_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query(`drop schema if exists ${quoteIdent(schema)} cascade`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Deletes every key starting with `prefix` (SCAN, then UNLINK in batches). */
export async function deleteKeys(url: string, prefix: string): Promise<number> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  let deleted = 0;
  try {
    const pattern = `${escapeGlob(prefix)}*`;
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    client.disconnect();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparsable url>';
  }
}

export function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
