// recurring.ts: stored recurring definitions and the compare-and-set on `nextRunAt` that makes each tick fire once.
// It does not enqueue the firing: MemoryStorage does that in the same synchronous step.
import type { RecurringDefinition } from '@jobsmith/core/storage';
import { compareIds } from './servers.js';

/** Recurring definitions by id; rows are copied in and out, so callers never share them. */
export class RecurringTable {
  private readonly definitions = new Map<string, RecurringDefinition>();

  /**
   * Inserts or replaces `def`, always keeping the stored createdAt and lastRunAt (the last firing is history, and
   * overlap 'skip' reads it), and the stored nextRunAt when cron and timezone are unchanged (a redeploy must not reset
   * the schedule); returns a copy of what is stored.
   */
  upsert(def: RecurringDefinition): RecurringDefinition {
    const stored = this.definitions.get(def.id);
    const next = copyDefinition(def);
    if (stored !== undefined) {
      next.createdAt = stored.createdAt;
      next.lastRunAt = stored.lastRunAt ?? next.lastRunAt;
    }
    if (stored !== undefined && stored.cron === def.cron && stored.timezone === def.timezone) {
      next.nextRunAt = stored.nextRunAt;
    }
    this.definitions.set(next.id, next);
    return copyDefinition(next);
  }

  remove(id: string): boolean {
    return this.definitions.delete(id);
  }

  /** Copies of every definition, ordered by id. */
  list(): RecurringDefinition[] {
    return [...this.definitions.values()].sort((a, b) => compareIds(a.id, b.id)).map(copyDefinition);
  }

  /** Copies of the definitions with nextRunAt <= now, earliest first. */
  listDue(now: number): RecurringDefinition[] {
    return [...this.definitions.values()]
      .filter((def) => def.nextRunAt.getTime() <= now)
      .sort((a, b) => a.nextRunAt.getTime() - b.nextRunAt.getTime() || compareIds(a.id, b.id))
      .map(copyDefinition);
  }

  /** Whether `id` exists and its stored nextRunAt is exactly `expectedRunAt` (ms). */
  isDueAt(id: string, expectedRunAt: number): boolean {
    return this.definitions.get(id)?.nextRunAt.getTime() === expectedRunAt;
  }

  /**
   * Moves a definition on to its next tick, recording `firedAt` as its last run when it fired (null: skipped) and
   * `now` as its updatedAt.
   */
  advance(id: string, tick: { nextRunAt: Date; firedAt: Date | null; now: Date }): void {
    const stored = this.definitions.get(id);
    if (stored === undefined) return;
    this.definitions.set(id, {
      ...stored,
      nextRunAt: new Date(tick.nextRunAt.getTime()),
      lastRunAt: tick.firedAt === null ? stored.lastRunAt : new Date(tick.firedAt.getTime()),
      updatedAt: new Date(tick.now.getTime()),
    });
  }
}

function copyDefinition(def: RecurringDefinition): RecurringDefinition {
  return {
    ...def,
    metadata: { ...def.metadata },
    nextRunAt: new Date(def.nextRunAt.getTime()),
    lastRunAt: def.lastRunAt === null ? null : new Date(def.lastRunAt.getTime()),
    createdAt: new Date(def.createdAt.getTime()),
    updatedAt: new Date(def.updatedAt.getTime()),
  };
}
