// recurring.ts: recurring definitions and fireRecurring, the compare-and-set on next_run_at that lets N servers race
// on one tick and fire it exactly once (the firing is enqueued in the same transaction).
import {
  type FireRecurringParams,
  type RecurringDefinition,
  recurringFromSqlRow,
  type SqlRecurringRow,
} from '@jobsmith/core/storage';
import { type InsertedJobs, insertJobs } from './jobs.js';
import { recurringParams } from './rows.js';
import type { Statements } from './statements.js';

/** Inserts or replaces; always keeps createdAt, and nextRunAt / lastRunAt when cron and timezone are unchanged. */
export function upsertRecurring(statements: Statements, def: RecurringDefinition): RecurringDefinition {
  const row = statements.get<SqlRecurringRow>('upsert-recurring', recurringParams(def));
  // An upsert with RETURNING always yields the stored row.
  return recurringFromSqlRow(row!);
}

export function removeRecurring(statements: Statements, id: string): boolean {
  return statements.run('remove-recurring', { id }) === 1;
}

export function listRecurring(statements: Statements): RecurringDefinition[] {
  return statements.all<SqlRecurringRow>('list-recurring').map(recurringFromSqlRow);
}

export function listDueRecurring(statements: Statements, now: number): RecurringDefinition[] {
  return statements.all<SqlRecurringRow>('list-due-recurring', { now }).map(recurringFromSqlRow);
}

/** What a won tick did: whether the firing was enqueued, and what its enqueue wrote (nothing when skipped). */
export interface FiredTick {
  result: 'fired' | 'skipped';
  inserted: InsertedJobs;
}

/**
 * Moves the definition to `nextRunAt` if it still holds `expectedRunAt`, and enqueues the firing if any (uniqueKey
 * dedup applies) unless the previous firing named by `skipWhileUnfinished` is unfinished; null when another caller
 * won or the id is unknown. Call inside BEGIN IMMEDIATE, so the overlap check and the firing are one step.
 */
export function fireRecurring(statements: Statements, params: FireRecurringParams, now: number): FiredTick | null {
  const job = isPreviousUnfinished(statements, params.skipWhileUnfinished ?? null) ? null : params.job;
  const cas = {
    id: params.id,
    expected_run_at: params.expectedRunAt.getTime(),
    next_run_at: params.nextRunAt.getTime(),
    now,
    fires: job ? 1 : 0,
  };
  if (statements.run('fire-recurring', cas) === 0) return null;
  // A null job advances nextRunAt without firing (misfire or overlap policy 'skip').
  if (!job) return { result: 'skipped', inserted: { results: [], readyQueues: new Set() } };
  return { result: 'fired', inserted: insertJobs(statements, [job]) };
}

/** Whether an unfinished job holds `uniqueKey`, the previous firing's (false when there is none to check). */
function isPreviousUnfinished(statements: Statements, uniqueKey: string | null): boolean {
  return uniqueKey !== null && statements.get('fire-recurring-unfinished', { unique_key: uniqueKey }) !== undefined;
}
