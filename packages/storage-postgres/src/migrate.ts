// migrate.ts: brings a schema up to the newest numbered migration. One transaction holds an advisory lock keyed
// from the schema name, so storages migrating the same schema at once (ten processes starting together) take turns
// and each migration runs exactly once; migrations already applied are skipped.
import { createHash } from 'node:crypto';
import type { Clock } from '@jobsmith/core';
import type { Database } from './database.js';
import type { Migration } from './statements.js';

/** Applies every migration the schema lacks, in order, each recorded in `migrations` in the same transaction. */
export async function runMigrations(db: Database, schema: string, migrations: readonly Migration[], clock: Clock) {
  await db.transaction('migrate', async (client) => {
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
