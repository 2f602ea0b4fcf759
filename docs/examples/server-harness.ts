// server-harness.ts: the server integration harness of docs/writing-a-backend.md: one store per test, opened by this
// process and by every server child. A backend's server-integration.test.ts passes it to runServerIntegration.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerIntegrationHarness } from '@jobsmith/core/testing';
import { SqliteStorage } from '@jobsmith/storage-sqlite';

/** The module each child imports to open the store: an absolute path (children run under tsx, so .ts is fine). */
const FACTORY = fileURLToPath(new URL('./server-storage.ts', import.meta.url));

export const serverHarness: ServerIntegrationHarness<SqliteStorage> = {
  name: 'sqlite (the guide example)',
  // This process's storage on the system clock (real processes share no clock), and how a child opens the same data.
  async create() {
    const filename = join(mkdtempSync(join(tmpdir(), 'jobsmith-guide-')), 'jobs.db');
    const storage = new SqliteStorage({ filename });
    await storage.migrate();
    return { storage, childStorage: { factory: FACTORY, options: { filename } } };
  },
  // Every child is gone by now: close the storage and drop the data.
  async destroy({ storage, childStorage }) {
    await storage.close();
    rmSync(dirname(String(childStorage.options['filename'])), { recursive: true, force: true });
  },
};
