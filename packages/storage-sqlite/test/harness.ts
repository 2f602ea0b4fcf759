// harness.ts (test only): the StorageHarnesses the conformance suite runs on: a fresh database file per test in
// os.tmpdir() (removed after), and a private ':memory:' database whose only peer is itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ManualClock, StorageHarness } from '@jobsmith/core/testing';
import { SqliteStorage } from '../src/index.js';

/** A new temporary directory for one test's database files; the caller removes it. */
export function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'jobsmith-sqlite-'));
}

/** One file per test; a peer is a second connection to that file, as another process would open it. */
export function fileHarness(): StorageHarness<SqliteStorage> {
  const files = new Map<SqliteStorage, { filename: string; dir: string | null }>();
  return {
    name: 'sqlite (file)',
    async create(clock: ManualClock) {
      const dir = makeTempDir();
      const filename = join(dir, 'jobs.db');
      const storage = new SqliteStorage({ filename, clock });
      await storage.migrate();
      files.set(storage, { filename, dir });
      return storage;
    },
    async connectPeer(storage, clock) {
      const filename = files.get(storage)?.filename;
      if (!filename) throw new Error('connectPeer: storage was not made by this harness');
      const peer = new SqliteStorage({ filename, clock });
      await peer.migrate();
      files.set(peer, { filename, dir: null });
      return peer;
    },
    async destroy(storage) {
      await storage.close();
      const dir = files.get(storage)?.dir;
      files.delete(storage);
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A private in-memory database: no other connection can see it, so connectPeer returns the storage itself. */
export function memoryHarness(): StorageHarness<SqliteStorage> {
  return {
    name: 'sqlite (:memory:)',
    async create(clock: ManualClock) {
      const storage = new SqliteStorage({ filename: ':memory:', clock });
      await storage.migrate();
      return storage;
    },
    async connectPeer(storage) {
      return storage;
    },
    async destroy(storage) {
      await storage.close();
    },
  };
}
