// scenarios/process.ts: consumer throughput. A backlog of N no-op jobs is filled first (not timed), then workers at
// concurrency C drain it; time runs from the first job starting to the system reporting nothing left unfinished
// (completions persisted, not just handlers returned). Every job must run exactly once: duplicates and missing jobs
// are counted and reported. A run over budget reports the rate of the completions persisted within it. A system with
// extra worker profiles (jobsmith's defaults) drains with each as rows of its own, e.g. `jobsmith (defaults)`.
import { count, type Measurement } from '../result.js';
import { perSecond, type RunOutcome, runCases, type SharedCase, waitUntilDrained, withSystem } from '../runner.js';
import type { BenchSystem, SystemSpec, WorkerProfile } from '../system.js';
import { JobTally } from '../tally.js';
import type { Scenario } from './scenario.js';

/** Once every handler ran, the system gets at least this long to persist the last completions. */
const MIN_DRAIN_MS = 2000;

async function fill(system: BenchSystem, n: number, chunk: number): Promise<void> {
  for (let i = 0; i < n; i += chunk) {
    const size = Math.min(chunk, n - i);
    await system.enqueueBulk(Array.from({ length: size }, (_, k) => ({ i: i + k })));
  }
}

interface DrainPlan {
  n: number;
  concurrency: number;
  profile: WorkerProfile;
  budgetMs: number;
}

async function drain(system: BenchSystem, { n, concurrency, profile, budgetMs }: DrainPlan): Promise<RunOutcome> {
  const tally = new JobTally(n);
  const startedAt = performance.now();
  const deadline = startedAt + budgetMs;
  await system.startWorkers(concurrency, tally.record, profile);
  const allRan = await tally.waitFor(n, deadline - performance.now());
  const drainedAt = allRan
    ? await waitUntilDrained(system, Math.max(MIN_DRAIN_MS, deadline - performance.now()))
    : null;
  if (drainedAt === null) return partial(system, tally, n, allRan, { startedAt, budgetMs });
  // Let a late duplicate surface before counting: stopping the workers waits for anything still running.
  await system.stopWorkers();
  return {
    values: { throughput: perSecond(n, tally.firstAt, drainedAt) },
    duplicates: tally.duplicates,
    missing: tally.missing(n),
    detail: { ms: drainedAt - tally.firstAt, lastHandlerToDrainedMs: drainedAt - tally.lastAt },
  };
}

/** The budget ran out: the rate is of the completions the system persisted by then (missing is not checked). */
async function partial(
  system: BenchSystem,
  tally: JobTally,
  n: number,
  allRan: boolean,
  { startedAt, budgetMs }: { startedAt: number; budgetMs: number },
): Promise<RunOutcome> {
  const at = performance.now();
  const completed = n - (await system.unfinished());
  const seconds = Math.round(budgetMs / 1000);
  const ran = allRan ? `every handler ran, but only ${count(completed)}` : count(completed);
  const from = Number.isNaN(tally.firstAt) ? startedAt : tally.firstAt;
  return {
    values: { throughput: perSecond(completed, from, at) },
    duplicates: tally.duplicates,
    missing: null,
    note: `budget: ${ran} of ${count(n)} jobs were completed within ${seconds} s`,
    detail: { completed, handlersRan: tally.distinct, ms: at - tally.firstAt },
  };
}

async function once(spec: SystemSpec, plan: DrainPlan, chunk: number) {
  return withSystem(spec, async (system) => {
    await fill(system, plan.n, chunk);
    return drain(system, plan);
  });
}

/**
 * Every system with its throughput profile, each followed by a copy per extra profile whose product names it (same
 * system name, so the table keeps a system's rows together and never compares it with itself).
 */
function profiled(specs: readonly SystemSpec[]): SystemSpec[] {
  return specs.flatMap((spec) => [
    spec,
    ...(spec.extraProfiles ?? []).map((profile) => ({ ...spec, product: `${spec.product} (${profile})`, profile })),
  ]);
}

export const processScenario: Scenario = {
  name: 'process',
  description: 'consumer throughput: drain a pre-filled backlog of no-op jobs, first start to last completion',
  async run(chosen, { settings }) {
    const { counts, concurrencies, fillChunk } = settings.process;
    const specs = profiled(chosen);
    const results: Measurement[] = [];
    for (const n of counts) {
      for (const concurrency of concurrencies) {
        const shared: SharedCase = {
          scenario: 'process',
          params: `${count(n)} jobs, concurrency ${concurrency}`,
          metrics: [{ metric: 'throughput', unit: 'jobs/s', better: 'higher' }],
        };
        const run = (spec: SystemSpec) => {
          const plan = { n, concurrency, profile: spec.profile ?? 'throughput', budgetMs: settings.runBudgetMs };
          return once(spec, plan, fillChunk);
        };
        results.push(...(await runCases(specs, shared, settings.runs, run)));
      }
    }
    // A system's throughput rows first, then its other profiles' (main.ts then groups rows by system, stably).
    const rank = (m: Measurement) => (chosen.some((s) => s.product === m.product) ? 0 : 1);
    return results.sort((a, b) => rank(a) - rank(b));
  },
};
