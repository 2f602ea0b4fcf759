// server-harness.ts (test only): the server integration harness: each test its own database file in a temporary
// directory (removed after); this process and every server child open that one file, as processes sharing the
// embedded default would.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerIntegrationHarness } from '@jobsmith/core/testing';
import { SqliteStorage } from '../src/index.js';
import { makeTempDir } from './harness.js';

const FACTORY = fileURLToPath(new URL('./server-storage.ts', import.meta.url));

/** One temporary database file per test, shared by this process and the server children. */
export const sqliteServerHarness: ServerIntegrationHarness<SqliteStorage> = {
  name: 'sqlite (file)',
  async create() {
    const filename = join(makeTempDir(), 'jobs.db');
    const storage = new SqliteStorage({ filename });
    await storage.migrate();
    return { storage, childStorage: { factory: FACTORY, options: { filename } } };
  },
  async destroy({ storage, childStorage }) {
    await storage.close();
    rmSync(dirname(String(childStorage.options['filename'])), { recursive: true, force: true });
  },
};
