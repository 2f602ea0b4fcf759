// scenarios/enqueue.ts: producer throughput. N jobs enqueued three ways: single calls one after another, single calls
// with a fixed number in flight, and the system's bulk API in chunks. Afterwards the system must report N jobs waiting.
import type { Settings } from '../options.js';
import { count, type Measurement } from '../result.js';
import { perSecond, type RunOutcome, runCases, type SharedCase, withSystem } from '../runner.js';
import type { BenchSystem, SystemSpec } from '../system.js';
import type { Scenario } from './scenario.js';

type Mode = 'sequential' | 'in-flight' | 'bulk';

/** Enqueues jobs 0..n-1 (fewer if the deadline passes first); returns how many were enqueued. */
type Producer = (system: BenchSystem, n: number, deadline: number) => Promise<number>;

async function sequential(system: BenchSystem, n: number, deadline: number): Promise<number> {
  let i = 0;
  for (; i < n && performance.now() < deadline; i++) await system.enqueueOne({ i });
  return i;
}

function inFlight(width: number): Producer {
  return async (system, n, deadline) => {
    let next = 0;
    let done = 0;
    const lane = async () => {
      while (next < n && performance.now() < deadline) {
        const i = next++;
        await system.enqueueOne({ i });
        done++;
      }
    };
    await Promise.all(Array.from({ length: width }, lane));
    return done;
  };
}

function bulk(chunk: number): Producer {
  return async (system, n, deadline) => {
    let i = 0;
    while (i < n && performance.now() < deadline) {
      const size = Math.min(chunk, n - i);
      await system.enqueueBulk(Array.from({ length: size }, (_, k) => ({ i: i + k })));
      i += size;
    }
    return i;
  };
}

function modes(settings: Settings): { mode: Mode; label: string; produce: Producer }[] {
  const { inFlight: width, bulkChunk } = settings.enqueue;
  return [
    { mode: 'sequential', label: 'single calls, sequential', produce: sequential },
    { mode: 'in-flight', label: `single calls, ${width} in flight`, produce: inFlight(width) },
    { mode: 'bulk', label: `bulk API, chunks of ${count(bulkChunk)}`, produce: bulk(bulkChunk) },
  ];
}

async function once(spec: SystemSpec, n: number, produce: Producer, budgetMs: number): Promise<RunOutcome> {
  return withSystem(spec, async (system) => {
    const started = performance.now();
    const enqueued = await produce(system, n, started + budgetMs);
    const ended = performance.now();
    const stored = await system.unfinished();
    const note =
      enqueued < n ? `budget: ${count(enqueued)} of ${count(n)} in ${Math.round(budgetMs / 1000)} s` : undefined;
    return {
      values: { throughput: perSecond(enqueued, started, ended) },
      // An enqueue that resolved but left no job behind is a lost job.
      missing: Math.max(0, enqueued - stored),
      duplicates: Math.max(0, stored - enqueued),
      note,
      detail: { enqueued, stored, ms: ended - started },
    };
  });
}

export const enqueueScenario: Scenario = {
  name: 'enqueue',
  description: 'producer throughput: N jobs by single calls (sequential, or a fixed number in flight) and by bulk API',
  async run(specs, { settings }) {
    const results: Measurement[] = [];
    for (const n of settings.enqueue.counts) {
      for (const { label, produce } of modes(settings)) {
        const shared: SharedCase = {
          scenario: 'enqueue',
          params: `${count(n)} jobs, ${label}`,
          metrics: [{ metric: 'throughput', unit: 'jobs/s', better: 'higher' }],
        };
        const run = (spec: SystemSpec) => once(spec, n, produce, settings.runBudgetMs);
        results.push(...(await runCases(specs, shared, settings.runs, run)));
      }
    }
    return results;
  },
};
