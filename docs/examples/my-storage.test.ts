// my-storage.test.ts: the guide's skeleton runs as the guide says: its constructor hands back the instance behind the
// seam's input checks, so bad input is a ValidationError before any backend code runs; good input reaches the
// backend; and a closed storage rejects every call.
import { StorageError, ValidationError } from '@jobsmith/core';
import { makeNewJob } from '@jobsmith/core/testing';
import { describe, expect, it } from 'vitest';
import { MyStorage } from './my-storage.js';

describe('MyStorage (the skeleton in docs/writing-a-backend.md)', () => {
  it('rejects bad input with a ValidationError naming the field, before the backend runs', async () => {
    const storage = new MyStorage();
    await expect(storage.get('')).rejects.toBeInstanceOf(ValidationError);
    await expect(storage.get('')).rejects.toMatchObject({ operation: 'get', field: 'id' });
    await expect(storage.list({ limit: -1, offset: 0 })).rejects.toMatchObject({ field: 'limit' });
  });

  it('rejects a transaction handle, since it declares no transactionalEnqueue', async () => {
    const storage = new MyStorage();
    await expect(storage.enqueue({ jobs: [makeNewJob()], tx: {} })).rejects.toMatchObject({ field: 'tx' });
  });

  it('hands good input to the backend, whose unwritten method is a StorageError naming it', async () => {
    const storage = new MyStorage();
    await expect(storage.get('job-1')).rejects.toBeInstanceOf(StorageError);
    await expect(storage.fetchAndLock({ serverId: 's#1', queues: [], limit: 1, leaseMs: 1_000 })).rejects.toThrow(
      'fetchAndLock: storage failed: not written yet',
    );
    await expect(storage.migrate()).resolves.toBeUndefined();
  });

  it('rejects every call once closed, naming the operation', async () => {
    const storage = new MyStorage();
    await storage.close();
    await storage.close();
    await expect(storage.migrate()).rejects.toThrow('migrate: storage failed: MyStorage is closed');
    await expect(storage.get('job-1')).rejects.toBeInstanceOf(StorageError);
  });
});
