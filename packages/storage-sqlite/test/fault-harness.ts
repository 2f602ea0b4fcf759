// fault-harness.ts (test only): the fault suite's harness on SQLite: each test its own database file (removed after),
// opened by this process and every server child. No proxy can stand between a process and its file, so the outage
// is a second connection holding the write lock (BEGIN IMMEDIATE), which every child's write waits for up to
// busy_timeout and then fails.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FaultHarness } from '@jobsmith/core/testing';
import Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS } from '../src/connection.js';
import { SqliteStorage } from '../src/index.js';
import { makeTempDir } from './harness.js';

const FACTORY = fileURLToPath(new URL('./server-storage.ts', import.meta.url));
/** How long the lock holder itself waits for a child's write transaction to end before it takes the lock, in ms. */
const HOLDER_WAIT_MS = 30_000;

/** One temporary database file per test; the write lock held from a connection of the test's own. */
export const sqliteFaultHarness: FaultHarness<SqliteStorage> = {
  name: 'sqlite (file)',
  async create() {
    const filename = join(makeTempDir(), 'jobs.db');
    const storage = new SqliteStorage({ filename });
    await storage.migrate();
    return { storage, childStorage: () => ({ factory: FACTORY, options: { filename } }) };
  },
  async destroy({ storage, childStorage }) {
    await storage.close();
    rmSync(dirname(String(childStorage().options['filename'])), { recursive: true, force: true });
  },
  writeLock: {
    waitMs: BUSY_TIMEOUT_MS,
    async hold(store) {
      const holder = new Database(String(store.childStorage().options['filename']), { timeout: HOLDER_WAIT_MS });
      try {
        holder.exec('BEGIN IMMEDIATE');
      } catch (error) {
        holder.close();
        throw error;
      }
      return async () => {
        holder.exec('COMMIT');
        holder.close();
      };
    },
  },
};
