// scenarios/latency.ts: enqueue-to-start latency on an idle worker. Workers start in each system's low-latency
// setting and are warmed up; then jobs are enqueued one at a time, spaced a few milliseconds apart, and each job's
// latency is the time from just before its enqueue call to its handler starting. Reports p50 and p99 per run.
import { BenchError } from '../errors.js';
import { count } from '../result.js';
import { pause, type RunOutcome, runCases, type SharedCase, withSystem } from '../runner.js';
import { percentile } from '../stats.js';
import type { SystemSpec } from '../system.js';
import { JobTally } from '../tally.js';
import type { Scenario } from './scenario.js';

const WARM_UP_JOBS = 5;
const WARM_UP_TIMEOUT_MS = 15_000;

interface LatencyPlan {
  samples: number;
  minGapMs: number;
  maxGapMs: number;
  concurrency: number;
  budgetMs: number;
}

async function once(spec: SystemSpec, plan: LatencyPlan): Promise<RunOutcome> {
  return withSystem(spec, async (system) => {
    const { samples } = plan;
    const enqueuedAt = new Float64Array(samples);
    const latencies = new Float64Array(samples).fill(Number.NaN);
    const tally = new JobTally(samples + WARM_UP_JOBS);
    const onJob = (i: number) => {
      if (i < samples && Number.isNaN(latencies[i]!)) latencies[i] = performance.now() - enqueuedAt[i]!;
      tally.record(i);
    };
    await system.startWorkers(plan.concurrency, onJob, 'latency');
    // Warm-up jobs take the indices after the samples, so they never count as samples.
    for (let k = 0; k < WARM_UP_JOBS; k++) await system.enqueueOne({ i: samples + k });
    if (!(await tally.waitFor(WARM_UP_JOBS, WARM_UP_TIMEOUT_MS))) {
      throw new BenchError(spec.name, 'latency', `warm-up jobs did not run within ${WARM_UP_TIMEOUT_MS / 1000} s`);
    }
    for (let i = 0; i < samples; i++) {
      enqueuedAt[i] = performance.now();
      await system.enqueueOne({ i });
      await pause(plan.minGapMs + Math.random() * (plan.maxGapMs - plan.minGapMs));
    }
    const allRan = await tally.waitFor(samples + WARM_UP_JOBS, plan.budgetMs);
    const measured = [...latencies].filter((v) => !Number.isNaN(v));
    if (measured.length === 0) throw new BenchError(spec.name, 'latency', 'no sample job ran');
    await system.stopWorkers();
    return {
      values: { p50: percentile(measured, 50), p99: percentile(measured, 99) },
      duplicates: tally.duplicates,
      missing: allRan ? tally.missing(samples + WARM_UP_JOBS) : null,
      note: allRan ? undefined : `only ${count(measured.length)} of ${count(samples)} samples ran in time`,
      detail: { samples: measured.length, max: Math.max(...measured), mean: mean(measured) },
    };
  });
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

export const latencyScenario: Scenario = {
  name: 'latency',
  description: 'enqueue-to-start latency on an idle, warmed-up worker (each system in its low-latency setting)',
  async run(specs, { settings }) {
    const plan: LatencyPlan = { ...settings.latency, budgetMs: settings.runBudgetMs };
    const shared: SharedCase = {
      scenario: 'latency',
      params: `${count(plan.samples)} jobs ${plan.minGapMs}-${plan.maxGapMs} ms apart, concurrency ${plan.concurrency}`,
      metrics: [
        { metric: 'p50', unit: 'ms', better: 'lower' },
        { metric: 'p99', unit: 'ms', better: 'lower' },
      ],
    };
    return runCases(specs, shared, settings.runs, (spec) => once(spec, plan));
  },
};
