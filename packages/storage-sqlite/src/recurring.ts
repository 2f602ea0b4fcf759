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

/**
 * Moves the definition to `nextRunAt` if it still holds `expectedRunAt`, and enqueues the firing if any (uniqueKey
 * dedup applies); null when another caller won or the id is unknown. Call inside BEGIN IMMEDIATE.
 */
export function fireRecurring(statements: Statements, params: FireRecurringParams, now: number): InsertedJobs | null {
  const cas = {
    id: params.id,
    expected_run_at: params.expectedRunAt.getTime(),
    next_run_at: params.nextRunAt.getTime(),
    now,
    fires: params.job ? 1 : 0,
  };
  if (statements.run('fire-recurring', cas) === 0) return null;
  // A null job advances nextRunAt without firing (misfire policy 'skip').
  return params.job ? insertJobs(statements, [params.job]) : { results: [], readyQueues: new Set() };
}
