// connection.ts: opens the database file a SqliteStorage owns, with the settings several processes need to share
// it safely. An app-owned Database is never opened or reconfigured here.
import Database from 'better-sqlite3';

/**
 * How long an async call waits, by default, for a write lock another connection holds before it fails (the default
 * of the `busyTimeoutMs` option). It waits without blocking the event loop (busy-wait.ts).
 */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * How long a synchronous write waits, blocking the event loop, for another connection's write lock before failing
 * with SQLITE_BUSY: `enqueueSync`, and the app's own transactions on `storage.database`, which cannot wait
 * asynchronously. Kept short for that reason. Every async method waits instead without blocking, for up to
 * `busyTimeoutMs` (busy-wait.ts), with busy_timeout at 0 meanwhile.
 */
export const SYNC_BUSY_TIMEOUT_MS = 100;

/**
 * Opens `filename` (created if missing) in WAL mode, so readers never block the writer and processes can share the
 * file, with busy_timeout SYNC_BUSY_TIMEOUT_MS. If turning on WAL still finds the file locked, the open fails and
 * keeps nothing, so an async caller can retry it.
 */
export function openDatabaseFile(filename: string): Database.Database {
  // `timeout` sets busy_timeout (better-sqlite3 would default it to 5 s).
  const db = new Database(filename, { timeout: SYNC_BUSY_TIMEOUT_MS });
  try {
    // A no-op ('memory') for ':memory:'; on a corrupt file this is the first read and fails with SQLITE_NOTADB.
    db.pragma('journal_mode = WAL');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
