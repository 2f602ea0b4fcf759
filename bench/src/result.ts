// result.ts: the shape of what a scenario measures (one Measurement per system, scenario, parameters and metric,
// holding one sample per run) and of a system that was skipped. The report only reads these.
import type { ScenarioName } from './options.js';
import type { Store } from './system.js';

export type Unit = 'jobs/s' | 'ms';

/** One figure measured `samples.length` times. */
export interface Measurement {
  system: string;
  product: string;
  store: Store;
  scenario: ScenarioName;
  /** Human-readable parameters, e.g. `10,000 jobs, concurrency 10`. */
  params: string;
  /** What the number is: `throughput`, `p50`, `p99`, `max rate held`. */
  metric: string;
  unit: Unit;
  better: 'higher' | 'lower';
  /** One value per run. */
  samples: number[];
  /** Extra executions over all runs (0 when every job ran at most once). */
  duplicates: number;
  /** Jobs that never ran, over all runs; null when the scenario could not check (e.g. a run hit its budget). */
  missing: number | null;
  notes: string[];
  /** Per-run details kept for the JSON file only. */
  details: unknown[];
}

/** A system that did not run, and why (printed loudly in the table). */
export interface Skip {
  system: string;
  store: Store;
  reason: string;
}

/** A formatted count: 10000 -> `10,000`. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
