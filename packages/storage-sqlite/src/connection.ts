// connection.ts: opens the database file a SqliteStorage owns, with the settings several processes need to share
// it safely. An app-owned Database is never opened or reconfigured here.
import Database from 'better-sqlite3';

/** How long a write waits for another connection's lock before failing with SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens `filename` (created if missing) in WAL mode, so readers never block the writer and processes can share the
 * file, with busy_timeout so a BEGIN IMMEDIATE waits for a peer's write lock instead of failing at once.
 */
export function openDatabaseFile(filename: string): Database.Database {
  const db = new Database(filename, { timeout: BUSY_TIMEOUT_MS });
  try {
    // A no-op ('memory') for ':memory:'; on a corrupt file this is the first read and fails with SQLITE_NOTADB.
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
