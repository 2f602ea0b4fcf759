// migrate.ts: brings a database's schema up to date. Forward-only; each migration runs once, recorded in the
// {{migrations}} table in the same BEGIN IMMEDIATE, so processes starting together serialize and none re-applies.
import { migrations } from './generated/migrations.js';
import type { Statements } from './statements.js';

/** One file of src/migrations: `0001-create-tables.sql` is version 1. */
export interface Migration {
  version: number;
  name: string;
  script: string;
}

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = Object.entries(migrations)
  .map(([name, script]) => ({ version: Number.parseInt(name, 10), name, script }))
  .sort((a, b) => a.version - b.version);

/** The schema version this code expects. */
export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/**
 * Applies every migration newer than the database's recorded version and returns the versions applied (none when
 * the schema is current). `now` (epoch ms) stamps each record.
 */
export function applyMigrations(statements: Statements, now: number): number[] {
  return statements.immediate(() => {
    statements.run('migrate-create-table');
    const current = statements.get<{ version: number }>('migrate-current-version')?.version ?? 0;
    const pending = MIGRATIONS.filter((migration) => migration.version > current);
    for (const migration of pending) {
      statements.exec(migration.script);
      statements.run('migrate-record', { version: migration.version, name: migration.name, applied_at: now });
    }
    return pending.map((migration) => migration.version);
  });
}
