// errors.ts: the one place SqliteStorage turns a failure into what callers see (every method goes through it).
// Errors jobsmith throws on purpose pass through; a driver error becomes a StorageError naming the database file.
import { basename, dirname } from 'node:path';
import type { JobsmithError } from '@jobsmith/core';
import { toStorageError as wrapFailure } from '@jobsmith/core/storage';
import { isBusyError } from './busy-wait.js';

/**
 * Wraps `error` for `operation`. `file` is the database's path (or ':memory:'), so "unable to open", "readonly" and
 * "not a database" messages say which file is at fault. `busyTimeoutMs` is how long an async call waited for the
 * lock before giving up (absent on the synchronous paths), named when the error is SQLITE_BUSY.
 */
export function toStorageError(operation: string, error: unknown, file: string, busyTimeoutMs?: number): JobsmithError {
  return wrapFailure(operation, error, (cause) => failureDetail(cause, file, busyTimeoutMs));
}

/** What a driver error says, with its code, the lock wait, the file and the fix. */
function failureDetail(error: unknown, file: string, busyTimeoutMs: number | undefined): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const codePart = typeof code === 'string' ? ` [${code}]` : '';
  const waited =
    busyTimeoutMs !== undefined && isBusyError(error)
      ? `: another connection held the lock for longer than busyTimeoutMs (${busyTimeoutMs} ms)`
      : '';
  const fix = fileFix(message, code, file);
  return `${message}${codePart}${waited} (database ${file})${fix ? `. Fix: ${fix}` : ''}`;
}

/** What to do when the database file cannot be opened or written; null for every other failure. */
function fileFix(message: string, code: unknown, file: string): string | null {
  const directory = dirname(file);
  if (/directory does not exist/i.test(message)) {
    return `create the directory ${directory} (or correct the filename)`;
  }
  if (code === 'SQLITE_CANTOPEN') {
    return `make sure ${directory} exists and this process may create files in it (SQLite also writes ${basename(file)}-wal and -shm there)`;
  }
  if (typeof code === 'string' && code.startsWith('SQLITE_READONLY')) {
    return `open the database read-write, and let this process write ${file} and its directory ${directory}`;
  }
  return null;
}
