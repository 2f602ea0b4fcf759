// errors.ts: the one place RedisStorage turns a failure into what callers see. Errors jobsmith throws on purpose
// pass through; driver and server errors become a StorageError naming the operation (never the URL's password).
import { JobsmithError, StorageError } from '@jobsmith/core';

export function toStorageError(operation: string, error: unknown): JobsmithError {
  return error instanceof JobsmithError ? error : new StorageError(operation, { cause: error });
}

/** What a first connection that failed rejects with: names the endpoint and the driver's reason. */
export function unreachableError(operation: string, endpoint: string, cause: unknown): StorageError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new StorageError(operation, { cause, detail: `cannot reach Redis at ${endpoint}: ${reason}` });
}

/** What every call on a closed RedisStorage rejects with. */
export function closedError(operation: string): StorageError {
  return new StorageError(operation, { detail: 'the RedisStorage is closed' });
}
