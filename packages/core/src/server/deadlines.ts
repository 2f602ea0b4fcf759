// server/deadlines.ts: one timer for every running job's timeout, instead of one timer per job. Entries are grouped
// by timeout length; within a group they arrive in claim order, so deadlines grow and each group's first entry is its
// earliest: adding and removing are O(1) and the next wake-up is the minimum over a handful of groups.
import type { ErrorSource } from '../events.js';
import { Loop, type LoopContext } from './loop.js';

/** Something with a deadline: `deadlineAt` (clock ms) = claim time + `timeoutMs`. */
export interface Deadline {
  readonly deadlineAt: number;
  readonly timeoutMs: number;
}

/** Calls `onExpired` for each entry once its deadline passes; `runOnce()` expires what is due now. */
export class DeadlineQueue<T extends Deadline> extends Loop<number> {
  protected readonly source: ErrorSource = 'timeouts';
  private readonly groups = new Map<number, Set<T>>();
  private readonly onExpired: (entry: T) => void;

  constructor(context: LoopContext, onExpired: (entry: T) => void) {
    super(context);
    this.onExpired = onExpired;
  }

  add(entry: T): void {
    let group = this.groups.get(entry.timeoutMs);
    if (group === undefined) {
      group = new Set();
      this.groups.set(entry.timeoutMs, group);
    }
    group.add(entry);
    this.wakeBy(entry.deadlineAt);
  }

  remove(entry: T): void {
    const group = this.groups.get(entry.timeoutMs);
    if (group === undefined) return;
    group.delete(entry);
    if (group.size === 0) this.groups.delete(entry.timeoutMs);
  }

  /** Expires every entry whose deadline has passed; returns how many. */
  async runOnce(): Promise<number> {
    const now = this.clock.now().getTime();
    const due: T[] = [];
    for (const group of this.groups.values()) {
      for (const entry of group) {
        if (entry.deadlineAt > now) break;
        due.push(entry);
      }
    }
    for (const entry of due) {
      this.remove(entry);
      try {
        this.onExpired(entry);
      } catch (error) {
        this.events.reportError(error, this.source, 'expiring a job failed');
      }
    }
    return due.length;
  }

  protected delayAfter(): number | null {
    let earliest: number | null = null;
    for (const group of this.groups.values()) {
      const first = group.values().next().value;
      if (first !== undefined && (earliest === null || first.deadlineAt < earliest)) earliest = first.deadlineAt;
    }
    return earliest === null ? null : Math.max(0, earliest - this.clock.now().getTime());
  }
}
