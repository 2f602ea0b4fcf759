// migrate.ts: brings a schema up to the newest numbered migration. One transaction holds an advisory lock keyed
// from the schema name, so storages migrating the same schema at once (ten processes starting together) take turns
// and each migration runs exactly once; migrations already applied are skipped.
import { createHash } from 'node:crypto';
import type { Clock } from '@jobsmith/core';
import type { Database } from './database.js';
import type { Migration } from './statements.js';

/**
 * The least time a migration statement may take, in ms, where other statements have `queryTimeoutMs`. Waiting on the
 * lock while another process migrates, or building an index over a large jobs table, may legitimately take minutes,
 * and a migration cut short fails every call until it succeeds; still bounded, so an unreachable store cannot hang
 * the first call (or a server's `stop()`) forever.
 */
export const MIGRATION_TIMEOUT_MS = 10 * 60_000;

/** The timeout of each migration statement, for statements otherwise bounded by `queryTimeoutMs` (0: none, both). */
export function migrationTimeoutMs(queryTimeoutMs: number): number {
  return queryTimeoutMs === 0 ? 0 : Math.max(queryTimeoutMs, MIGRATION_TIMEOUT_MS);
}

/**
 * Applies every migration the schema lacks, in order, each recorded in `migrations` in the same transaction. `db`
 * runs its statements under `timeoutMs` (see migrationTimeoutMs), which the server is told too.
 */
export async function runMigrations(
  db: Database,
  schema: string,
  migrations: readonly Migration[],
  clock: Clock,
  timeoutMs: number,
) {
  await db.transaction('migrate', async (client) => {
    await db.run('migrate', 'migrate-timeouts', [String(timeoutMs)], client);
    await db.run('migrate', 'migrate-lock', [migrationLockKey(schema)], client);
    await db.run('migrate', 'migrate-bootstrap', [], client);
    const applied = await db.run<{ version: number }>('migrate', 'migrate-applied', [], client);
    const done = new Set(applied.rows.map((row) => row.version));
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      await db.runText('migrate', migration.text, client);
      await db.run('migrate', 'migrate-record', [migration.version, migration.name, clock.now()], client);
    }
  });
}

/**
 * The advisory lock key of a schema's migrations: the first 8 bytes of a SHA-256 of a namespaced name, as a signed
 * 64-bit integer (decimal text, which pg binds to bigint without precision loss).
 */
export function migrationLockKey(schema: string): string {
  const digest = createHash('sha256').update(`jobsmith:migrate:${schema}`).digest();
  return digest.readBigInt64BE(0).toString();
}
