// tally.ts: counts which job indices ran and when, so a scenario can tell when every job ran, and whether any ran
// twice or never. Recording is O(1) and allocation-free; it never decides what a result means.

/** Per-index run counts, first/last run times, and a wait for "N distinct jobs have run". */
export class JobTally {
  private counts: Uint8Array;
  private distinctCount = 0;
  private duplicateCount = 0;
  private target = Number.POSITIVE_INFINITY;
  private onTarget: (() => void) | null = null;
  /** performance.now() of the first and the latest recorded run; NaN before any. */
  firstAt = Number.NaN;
  lastAt = Number.NaN;

  constructor(capacity: number) {
    this.counts = new Uint8Array(Math.max(1, capacity));
  }

  /** Records that job `index` ran (now). */
  readonly record = (index: number): void => {
    const now = performance.now();
    if (Number.isNaN(this.firstAt)) this.firstAt = now;
    this.lastAt = now;
    if (!Number.isInteger(index) || index < 0) {
      this.duplicateCount++;
      return;
    }
    if (index >= this.counts.length) this.grow(index);
    const seen = this.counts[index]!;
    if (seen > 0) this.duplicateCount++;
    else this.distinctCount++;
    if (seen < 255) this.counts[index] = seen + 1;
    if (this.distinctCount >= this.target && this.onTarget) {
      const resolve = this.onTarget;
      this.onTarget = null;
      resolve();
    }
  };

  /** Distinct jobs that ran at least once. */
  get distinct(): number {
    return this.distinctCount;
  }

  /** Extra runs beyond the first, over all jobs (plus any run of an index that was never enqueued). */
  get duplicates(): number {
    return this.duplicateCount;
  }

  /** How many of the indices 0..expected-1 never ran. */
  missing(expected: number): number {
    let missing = 0;
    for (let i = 0; i < expected; i++) if ((this.counts[i] ?? 0) === 0) missing++;
    return missing;
  }

  /** Resolves true once `count` distinct jobs ran, or false after `timeoutMs`. */
  waitFor(count: number, timeoutMs: number): Promise<boolean> {
    if (this.distinctCount >= count) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.onTarget = null;
        resolve(false);
      }, timeoutMs);
      timer.unref();
      this.target = count;
      this.onTarget = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  private grow(index: number): void {
    let size = this.counts.length * 2;
    while (size <= index) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.counts);
    this.counts = next;
  }
}
