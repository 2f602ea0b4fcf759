// validate.ts: the one input check only PostgresStorage can make: that `enqueue({ tx })` got a pg client inside the
// app's transaction. Every other storage input is checked by core's shared storage checks (checkEnqueueParams, ...).
import { ValidationError } from '@jobsmith/core';

/** An app-owned client inside the app's transaction: a pool would run the insert outside it. */
export function checkTransactionClient(operation: string, tx: unknown): void {
  const candidate = tx as { query?: unknown; totalCount?: unknown } | null;
  if (typeof candidate?.query !== 'function') {
    throw new ValidationError(operation, 'tx', 'must be a pg client (Client or PoolClient) inside your transaction');
  }
  if (typeof candidate.totalCount === 'number') {
    throw new ValidationError(operation, 'tx', 'must be a client from pool.connect(), not the pool itself');
  }
}
