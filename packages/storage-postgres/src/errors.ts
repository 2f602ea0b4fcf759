// errors.ts: the one place PostgresStorage turns a driver failure into what callers see. Errors jobsmith throws on
// purpose pass through; the rest become a StorageError naming the operation, and connection failures also name the
// host and database. No message ever carries the password.
import { type JobsmithError, StorageError } from '@jobsmith/core';
import { toStorageError as wrapFailure } from '@jobsmith/core/storage';
import pg from 'pg';

/** Where the storage connects, resolved the way pg resolves it (URL, fields, PG* environment variables). */
export interface ConnectionTarget {
  host: string;
  port: number;
  database: string;
  /** The role it connects as (named in the fix of an authentication failure). */
  user: string;
  /** Scrubbed from every message, should a driver ever echo it. */
  password: string | null;
}

/** SQLSTATE classes that mean "could not connect": 08 connection exception, 28 authorization, 3D no database. */
const CONNECT_SQLSTATE = /^(08|28|3D)/;
/** Node socket errors seen while opening a connection. */
const CONNECT_ERRNO = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET']);
const SQLSTATE_UNIQUE_VIOLATION = '23505';
const SQLSTATE_DEADLOCK_DETECTED = '40P01';
const SQLSTATE_INSUFFICIENT_PRIVILEGE = '42501';
/** What `pg` rejects a statement with when `query_timeout` passes without an answer (the connection is discarded). */
const QUERY_READ_TIMEOUT = 'Query read timeout';
/** The partial unique index that lets one unfinished job at a time hold a unique_key (0001-create-tables.sql). */
const UNIQUE_KEY_INDEX = 'jobs_unique_key_idx';

/** Wraps `cause` as a StorageError for `operation` (JobsmithErrors pass through unchanged). */
export function toStorageError(operation: string, cause: unknown, target: ConnectionTarget): JobsmithError {
  return wrapFailure(operation, cause, (failure) => failureDetail(failure, target));
}

/** What a driver failure says, scrubbed of the password, with where it happened and the fix when there is one. */
function failureDetail(cause: unknown, target: ConnectionTarget): string {
  const message = scrub(cause instanceof Error ? cause.message : String(cause), target);
  const code = errorCode(cause);
  const where = `host ${target.host}:${target.port}, database ${target.database}`;
  if (isConnectFailure(code, message)) {
    return `cannot connect to PostgreSQL (${where}, user ${target.user}): ${message}. ${connectFix(code, target)}`;
  }
  if (code === SQLSTATE_INSUFFICIENT_PRIVILEGE) {
    const fix = `Fix: grant role ${target.user} what jobsmith's schema needs (GRANT CREATE ON DATABASE ${target.database} TO ${target.user}, or run the migration once as the schema's owner)`;
    return `${message} (${where}). ${fix}`;
  }
  if (message === QUERY_READ_TIMEOUT)
    return `no answer from PostgreSQL (${where}) within the query timeout: ${message}`;
  if (code === SQLSTATE_UNIQUE_VIOLATION) {
    const constraint = (cause as { constraint?: string }).constraint;
    return `${message}${constraint ? ` (${constraint})` : ''}`;
  }
  return message;
}

/**
 * Whether `error` (raw or wrapped) is `pg` giving up on an unanswered statement: the connection still awaits that
 * answer, so nothing more can run on it (not even a ROLLBACK) and it must be discarded.
 */
export function isQueryReadTimeout(error: unknown): boolean {
  const cause = error instanceof StorageError ? error.cause : error;
  return cause instanceof Error && cause.message === QUERY_READ_TIMEOUT;
}

/** Whether `error` (the driver's, or one toStorageError wrapped) is a violation of the unique_key index. */
export function isUniqueKeyViolation(error: unknown): boolean {
  const cause = error instanceof StorageError ? error.cause : error;
  const constraint = (cause as { constraint?: unknown } | null)?.constraint;
  return isUniqueViolation(error) && constraint === UNIQUE_KEY_INDEX;
}

/** A unique violation of any index (an id or a unique_key), raw or wrapped by toStorageError. */
export function isUniqueViolation(error: unknown): boolean {
  return errorCode(error instanceof StorageError ? error.cause : error) === SQLSTATE_UNIQUE_VIOLATION;
}

/** PostgreSQL broke a lock cycle by failing this statement, raw or wrapped by toStorageError: running again may pass. */
export function isDeadlock(error: unknown): boolean {
  return errorCode(error instanceof StorageError ? error.cause : error) === SQLSTATE_DEADLOCK_DETECTED;
}

/** Resolves host, port and database as pg will, without connecting. */
export function describeTarget(config: pg.ClientConfig): ConnectionTarget {
  try {
    const client = new pg.Client(config);
    const password = typeof client.password === 'string' && client.password !== '' ? client.password : null;
    const user = client.user ?? '(default)';
    return { host: client.host, port: client.port, database: client.database ?? '(default)', user, password };
  } catch {
    return {
      host: '(unparsable connection string)',
      port: 0,
      database: '(unknown)',
      user: '(unknown)',
      password: null,
    };
  }
}

function errorCode(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isConnectFailure(code: string | undefined, message: string): boolean {
  if (code !== undefined && (CONNECT_SQLSTATE.test(code) || CONNECT_ERRNO.has(code))) return true;
  // 'timeout expired': pg's connectionTimeoutMillis on a new connection; 'timeout exceeded...': the pool's, waiting.
  return /timeout expired|timeout exceeded when trying to connect|Connection terminated|connect ECONN|getaddrinfo/i.test(
    message,
  );
}

/** What to do about a failed connection, by its cause: the part of the connection string (or server) to check. */
function connectFix(code: string | undefined, target: ConnectionTarget): string {
  switch (code) {
    case '3D000':
      return `Fix: create the database (createdb ${target.database}) or correct the database name in the connection string`;
    case '28P01':
      return `Fix: check the password of user ${target.user} in the connection string`;
    case '28000':
      return `Fix: check the user in the connection string (role ${target.user} must exist with LOGIN, and pg_hba.conf must let it connect)`;
    default:
      return `Fix: check that PostgreSQL is running and accepts connections at ${target.host}:${target.port}, and that the connection string points there`;
  }
}

/** Hides the password, and any password inside a URL a driver may have echoed. */
function scrub(message: string, target: ConnectionTarget): string {
  const withoutUrlPasswords = message.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@');
  if (!target.password) return withoutUrlPasswords;
  return withoutUrlPasswords.split(target.password).join('***');
}
