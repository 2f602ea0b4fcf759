// stats.ts: the statistics the report prints: median, min, max and percentiles of a list of samples. Pure functions;
// they never mutate their input and reject an empty list (a figure from no samples would be made up).

/** Median and range of one measurement repeated over several runs. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  count: number;
}

/** The `p`-th percentile (0-100) of `values`, interpolating linearly between the closest ranks. */
export function percentile(values: readonly number[], p: number): number {
  if (!Number.isFinite(p) || p < 0 || p > 100) {
    throw new RangeError(`percentile: p must be between 0 and 100 (got ${p})`);
  }
  const sorted = sortedCopy(values, 'percentile');
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower]!;
  const high = sorted[upper]!;
  return low + (high - low) * (rank - lower);
}

/** The middle value (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function min(values: readonly number[]): number {
  return sortedCopy(values, 'min')[0]!;
}

export function max(values: readonly number[]): number {
  const sorted = sortedCopy(values, 'max');
  return sorted[sorted.length - 1]!;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = sortedCopy(values, 'summarize');
  return { median: percentile(sorted, 50), min: sorted[0]!, max: sorted[sorted.length - 1]!, count: sorted.length };
}

function sortedCopy(values: readonly number[], operation: string): number[] {
  if (values.length === 0) throw new RangeError(`${operation}: values must not be empty`);
  for (const value of values) {
    if (Number.isNaN(value)) throw new RangeError(`${operation}: values must not contain NaN`);
  }
  return [...values].sort((a, b) => a - b);
}
