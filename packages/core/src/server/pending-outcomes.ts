// server/pending-outcomes.ts: the bound on write-behind completions. A run whose handler has settled frees its worker
// slot while its outcome waits to be written, but only `limit` such outcomes may wait at once; past that a run keeps
// its slot until a pending write ends (backpressure). It moves runs between `held` and `writtenBehind` (run.ts) and
// orders the held ones; the executor frees the slots.
import type { Run } from './run.js';

/**
 * The bound a server uses: one batch of everything it may hold claimed in flight, and room to run the next claim's
 * worth while it is written (2 x (workerCount + localQueueSize)), and never less than `minimum` (the
 * `minPendingOutcomes` tuning, config.ts).
 */
export function pendingOutcomesBound(workerCount: number, localQueueSize: number, minimum: number): number {
  return Math.max(minimum, 2 * (workerCount + localQueueSize));
}

const NONE_ADMITTED: readonly Run[] = Object.freeze([]);

/** Counts the runs written behind (slot freed, write not ended) and queues those held past the bound, oldest first. */
export class PendingOutcomes {
  private readonly limit: number;
  private writtenBehind = 0;
  /** Runs in `held`, oldest first (a Set iterates in insertion order). */
  private readonly held = new Set<Run>();

  /** `limit`: most outcomes written behind at once; 0 holds every slot until its write ends. */
  constructor(limit: number) {
    this.limit = limit;
  }

  /** Outcomes written behind and not yet written. */
  get count(): number {
    return this.writtenBehind;
  }

  /** Settled runs keeping their slot until there is room. */
  get heldCount(): number {
    return this.held.size;
  }

  /**
   * `run` (still `running`) settled with an outcome to write: moves it to `writtenBehind` and returns true (its slot
   * may free now), or, the bound being reached, to `held` and returns false.
   */
  admit(run: Run): boolean {
    if (this.writtenBehind < this.limit) {
      run.writeBehind();
      this.writtenBehind++;
      return true;
    }
    run.hold();
    this.held.add(run);
    return false;
  }

  /**
   * `run`'s run is ending (its write persisted, refused, dropped or given up; or it never had an outcome to write):
   * call it before the run moves to `ended`, as its state says what it leaves. Returns the held runs that now fit
   * under the bound, oldest first, moved to `writtenBehind`: their slots are to be freed.
   */
  ended(run: Run): readonly Run[] {
    if (run.state === 'held') {
      this.held.delete(run);
      return [];
    }
    if (run.state !== 'writtenBehind') return [];
    this.writtenBehind--;
    // The usual case, once per finished job: nobody waits, so no iterator and no array.
    if (this.held.size === 0) return NONE_ADMITTED;
    const admitted: Run[] = [];
    for (const next of this.held) {
      if (this.writtenBehind >= this.limit) break;
      this.held.delete(next);
      next.writeBehind();
      this.writtenBehind++;
      admitted.push(next);
    }
    return admitted;
  }
}
