// runner.ts: the helpers every scenario shares: a fresh, isolated system per run (always torn down), a pause, a
// drain wait, and the fold of per-run results into one Measurement.
import type { ScenarioName } from './options.js';
import { progress } from './progress.js';
import { count, type Measurement, type Unit } from './result.js';
import { describe } from './services.js';
import type { BenchSystem, SystemSpec } from './system.js';

/** Systems set up and not yet torn down, so an interrupted run can still clean up (see `teardownLive`). */
const live = new Set<BenchSystem>();

/**
 * Creates and sets up a fresh system, runs `body` on it, and tears it down whatever happens. Errors the library
 * reported by itself during the run are added to the run's note.
 */
export async function withSystem(
  spec: SystemSpec,
  body: (system: BenchSystem) => Promise<RunOutcome>,
): Promise<RunOutcome> {
  const system = spec.create();
  live.add(system);
  try {
    await system.setup();
    const outcome = await body(system);
    const errors = system.takeErrors();
    if (errors === null) return outcome;
    return { ...outcome, note: outcome.note ? `${outcome.note}; ${errors}` : errors };
  } finally {
    await system.teardown();
    live.delete(system);
  }
}

/** Tears down every system still set up (Ctrl-C): their schemas, key prefixes and files are removed. */
export async function teardownLive(): Promise<void> {
  await Promise.all([...live].map((system) => system.teardown()));
  live.clear();
}

/** Resolves after `ms` (the timer is unref'd; main.ts keeps the process alive while it runs). */
export function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

const DRAIN_POLL_MS = 5;

/**
 * Polls `unfinished()` until the system reports no unfinished job; returns the performance.now() at which the poll
 * that saw zero started, or null after `timeoutMs`.
 */
export async function waitUntilDrained(system: BenchSystem, timeoutMs: number): Promise<number | null> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const polledAt = performance.now();
    if ((await system.unfinished()) === 0) return polledAt;
    await pause(DRAIN_POLL_MS);
  }
  return null;
}

/** What one run of one case produced: a value per metric, plus the exactly-once check where the case makes one. */
export interface RunOutcome {
  values: Record<string, number>;
  duplicates?: number;
  /** Jobs that never ran; null or absent: not checked in this run. */
  missing?: number | null;
  note?: string;
  detail?: unknown;
}

/** One figure a case reports. */
export interface MetricSpec {
  metric: string;
  unit: Unit;
  better: 'higher' | 'lower';
}

/** Who, which scenario, which parameters, which metrics. */
export interface CaseSpec {
  spec: SystemSpec;
  scenario: ScenarioName;
  params: string;
  metrics: readonly MetricSpec[];
}

/** A case as every system runs it: the scenario, the parameters and the metrics, without the system. */
export type SharedCase = Omit<CaseSpec, 'spec'>;

/**
 * Runs one case on every system of `specs`, `runs` times each, interleaved: run 1 of every system, then run 2 of
 * every system, and so on. The machine speeds up and slows down over minutes; interleaved, a drift weighs on every
 * system alike instead of on whichever ran its runs last. A progress line per run; the runs of each system are folded
 * into one Measurement per metric. A run that throws ends that system's case (FAILED, not retried); the others go on.
 */
export async function runCases(
  specs: readonly SystemSpec[],
  shared: SharedCase,
  runs: number,
  once: (spec: SystemSpec, run: number) => Promise<RunOutcome>,
): Promise<Measurement[]> {
  const keys = specs.map((spec): CaseSpec => ({ ...shared, spec }));
  const outcomes = keys.map((): RunOutcome[] => []);
  const failures: (string | null)[] = keys.map(() => null);
  for (let run = 1; run <= runs; run++) {
    for (const [index, key] of keys.entries()) {
      if (failures[index] !== null) continue;
      const profile = key.spec.profile === undefined ? '' : ` (${key.spec.profile})`;
      const label = `${key.scenario} ${key.spec.name}${profile}: ${key.params} run ${run}/${runs}`;
      try {
        const outcome = await once(key.spec, run);
        outcomes[index]?.push(outcome);
        progress(`${label}: ${describeOutcome(key, outcome)}`);
      } catch (error) {
        progress(`${label}: FAILED: ${describe(error)}`);
        failures[index] = `FAILED in run ${run}: ${describe(error)}`;
      }
    }
  }
  return keys.flatMap((key, index) =>
    key.metrics.map((metric) => fold(key, metric, outcomes[index] ?? [], failures[index] ?? null)),
  );
}

/** Runs one case on one system `runs` times (the steady ramp, which runs its systems one after another). */
export async function runCase(
  key: CaseSpec,
  runs: number,
  once: (run: number) => Promise<RunOutcome>,
): Promise<Measurement[]> {
  const { spec, ...shared } = key;
  return runCases([spec], shared, runs, (_spec, run) => once(run));
}

function fold(key: CaseSpec, metric: MetricSpec, runs: readonly RunOutcome[], failure: string | null): Measurement {
  const missing =
    runs.length === 0 || runs.some((r) => r.missing === null || r.missing === undefined)
      ? null
      : runs.reduce((sum, r) => sum + (r.missing ?? 0), 0);
  const notes = [...new Set(runs.flatMap((r) => (r.note ? [r.note] : [])))];
  return {
    system: key.spec.name,
    product: key.spec.product,
    store: key.spec.store,
    scenario: key.scenario,
    params: key.params,
    metric: metric.metric,
    unit: metric.unit,
    better: metric.better,
    // A failed case reports no figure at all, rather than a median of the runs that happened to pass.
    samples: failure === null ? runs.map((r) => r.values[metric.metric] ?? Number.NaN) : [],
    duplicates: runs.reduce((sum, r) => sum + (r.duplicates ?? 0), 0),
    missing,
    notes: failure === null ? notes : [failure, ...notes],
    details: runs.map((r) => r.detail ?? null),
  };
}

function describeOutcome(key: CaseSpec, outcome: RunOutcome): string {
  const values = key.metrics.map((m) => `${m.metric} ${formatValue(outcome.values[m.metric], m.unit)}`).join(', ');
  const checks: string[] = [];
  if (outcome.duplicates) checks.push(`${outcome.duplicates} DUPLICATES`);
  if (outcome.missing) checks.push(`${outcome.missing} MISSING`);
  if (outcome.note) checks.push(outcome.note);
  return checks.length > 0 ? `${values} (${checks.join('; ')})` : values;
}

/** `12,345 jobs/s` or `4.2 ms`. */
export function formatValue(value: number | undefined, unit: Unit): string {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  if (unit === 'ms') return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : Math.round(value)} ms`;
  return `${count(value)} jobs/s`;
}

/** Jobs per second for `jobs` done between two performance.now() stamps. */
export function perSecond(jobs: number, fromMs: number, toMs: number): number {
  const seconds = (toMs - fromMs) / 1000;
  return seconds > 0 ? jobs / seconds : 0;
}
