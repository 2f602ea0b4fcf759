// server/pending-outcomes.ts: the bound on write-behind completions. A run whose handler has settled frees its worker
// slot while its outcome waits to be written, but only `limit` such outcomes may wait at once; past that a run keeps
// its slot until a pending write ends (backpressure). It only counts and orders runs: the executor frees the slots.

/**
 * The least bound a server gets. A finish costs a round trip however few outcomes it carries, so a small server (10
 * workers: a bound of 20) would write one claim's outcomes per call and hold its slots while each write's commit is
 * flushed; with room for a hundred, writes carry what settled during the last one (a default Postgres drain: about a
 * quarter faster, a third less PostgreSQL time per job).
 */
export const MIN_PENDING_OUTCOMES = 100;

/**
 * The bound a server uses: one batch of everything it may hold claimed in flight, and room to run the next claim's
 * worth while it is written (2 x (workerCount + localQueueSize)), and never less than MIN_PENDING_OUTCOMES.
 */
export function pendingOutcomesBound(workerCount: number, localQueueSize: number): number {
  return Math.max(MIN_PENDING_OUTCOMES, 2 * (workerCount + localQueueSize));
}

/** Outcomes written behind (slot freed, write not ended), and the runs held past the bound, oldest first. */
export class PendingOutcomes<T> {
  private readonly limit: number;
  private readonly pending = new Set<T>();
  /** Settled runs keeping their slot because the bound was reached; a Set iterates in insertion order. */
  private readonly held = new Set<T>();

  /** `limit`: most outcomes written behind at once; 0 holds every slot until its write ends. */
  constructor(limit: number) {
    this.limit = limit;
  }

  /** Outcomes written behind and not yet written. */
  get count(): number {
    return this.pending.size;
  }

  /** Settled runs keeping their slot until there is room. */
  get heldCount(): number {
    return this.held.size;
  }

  /** `run` settled with an outcome to write: true when it may free its slot now, false when it is held. */
  admit(run: T): boolean {
    if (this.pending.size < this.limit) {
      this.pending.add(run);
      return true;
    }
    this.held.add(run);
    return false;
  }

  /**
   * `run`'s write ended (persisted, refused, dropped or given up). Returns the held runs that now fit under the bound,
   * oldest first: they count as written behind from here on, and their slots are to be freed.
   */
  ended(run: T): T[] {
    if (!this.pending.delete(run)) {
      this.held.delete(run);
      return [];
    }
    const admitted: T[] = [];
    for (const next of this.held) {
      if (this.pending.size >= this.limit) break;
      this.held.delete(next);
      this.pending.add(next);
      admitted.push(next);
    }
    return admitted;
  }
}
