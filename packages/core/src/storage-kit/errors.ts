// errors.ts: the two errors every backend raises alike: a failure turned into what callers see, and a call on a
// closed storage.
import { JobsmithError, StorageError } from '../errors.js';

/**
 * `cause` as a caller sees it: an error jobsmith threw on purpose (a NotFoundError, a ValidationError, ...) passes
 * through; anything else (a driver error, a bug) becomes a StorageError naming `operation`, with the `detail` the
 * backend can give (the file, the host, the fix).
 */
export function toStorageError(
  operation: string,
  cause: unknown,
  detail?: (cause: unknown) => string | undefined,
): JobsmithError {
  if (cause instanceof JobsmithError) return cause;
  return new StorageError(operation, { cause, detail: detail?.(cause) });
}

/** What every call on a closed storage rejects with; `storage` names it (`PostgresStorage`, a database file, ...). */
export function closedStorageError(operation: string, storage: string): StorageError {
  return new StorageError(operation, { detail: `${storage} is closed` });
}
