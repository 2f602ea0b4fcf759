// errors.ts: the one place MemoryStorage turns a failure into what callers see. Errors jobsmith throws on purpose
// pass through; anything else (a bug, a corrupt payload) becomes a StorageError naming the operation.
import { JobsmithError, StorageError } from '@jobsmith/core';

export function toStorageError(operation: string, error: unknown): JobsmithError {
  return error instanceof JobsmithError ? error : new StorageError(operation, { cause: error });
}

/** What every call on a closed MemoryStorage rejects with. */
export function closedError(operation: string): StorageError {
  return new StorageError(operation, { detail: 'closed' });
}
