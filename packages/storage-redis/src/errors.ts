// errors.ts: the one place RedisStorage turns a failure into what callers see. Errors jobsmith throws on purpose
// pass through; driver and server errors become a StorageError naming the operation (never the URL's password).
import { type JobsmithError, StorageError } from '@jobsmith/core';
import { toStorageError as wrapFailure } from '@jobsmith/core/storage';

/** ioredis's message for a command that got no reply within its client's commandTimeout. */
const COMMAND_TIMED_OUT = 'Command timed out';

/**
 * The error a caller sees for `error`, which `operation` met. `commandTimeoutMs`: the timeout of the connection it
 * ran on, when RedisStorage set it (null: an app-owned client's own).
 */
export function toStorageError(
  operation: string,
  error: unknown,
  commandTimeoutMs: number | null = null,
): JobsmithError {
  return wrapFailure(operation, error, (cause) => {
    if (!(cause instanceof Error) || cause.message !== COMMAND_TIMED_OUT) return undefined;
    const limit =
      commandTimeoutMs === null ? "the client's commandTimeout" : `${commandTimeoutMs} ms (commandTimeoutMs)`;
    return `Redis did not answer within ${limit}`;
  });
}

/** What a first connection that failed rejects with: names the endpoint and the driver's reason. */
export function unreachableError(operation: string, endpoint: string, cause: unknown): StorageError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const fix = /NOAUTH|WRONGPASS|invalid password|invalid username/i.test(reason)
    ? 'check the user and password in the Redis URL (redis://user:password@host:port)'
    : `check that Redis is running and accepts connections at ${endpoint}, and that the URL (host, port, TLS) points there`;
  return new StorageError(operation, { cause, detail: `cannot reach Redis at ${endpoint}: ${reason}. Fix: ${fix}` });
}
