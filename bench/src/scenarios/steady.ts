// scenarios/steady.ts: mixed steady load. Producers enqueue single jobs at a fixed rate while workers (concurrency
// 10) process them; the rate steps up by a factor each step (down, after draining, if the first step fails), and the
// result is the highest rate held: the producer kept the rate and the backlog at the end of the step stayed within
// one second's worth of jobs.
import type { Settings } from '../options.js';
import { progress } from '../progress.js';
import { count, type Measurement } from '../result.js';
import { type CaseSpec, pause, type RunOutcome, runCase, withSystem } from '../runner.js';
import { median } from '../stats.js';
import type { BenchSystem, SystemSpec } from '../system.js';
import { JobTally } from '../tally.js';
import type { Scenario, ScenarioContext } from './scenario.js';

const TICK_MS = 10;
/** Enqueue calls allowed in flight at once; past this the producer falls behind (and the step fails). */
const MAX_IN_FLIGHT = 200;
/** The producer must issue at least this share of the step's target. */
const PRODUCER_KEPT_SHARE = 0.95;
/** A step holds if the backlog at its end is at most this many seconds of jobs at the step's rate ... */
const BACKLOG_BOUND_SECONDS = 1;
/** ... or this many jobs, whichever is larger. */
const MIN_BACKLOG_BOUND = 100;
/** The first step runs at this share of the rate the earlier scenarios suggest the system can sustain. */
const START_SHARE = 0.75;
const SETTLE_TIMEOUT_MS = 20_000;
/** Stepping down stops below this rate. */
const MIN_RATE = 10;

/** One step of the ramp, kept in the JSON file. */
interface Step {
  rate: number;
  target: number;
  issued: number;
  backlog: number;
  bound: number;
  held: boolean;
}

/** The producer side: issues single enqueues without waiting for each, keeping at most MAX_IN_FLIGHT pending. */
class Producer {
  private readonly system: BenchSystem;
  private readonly pending = new Set<Promise<void>>();
  next = 0;
  enqueued = 0;
  failed = 0;

  constructor(system: BenchSystem) {
    this.system = system;
  }

  get room(): number {
    return MAX_IN_FLIGHT - this.pending.size;
  }

  issue(): void {
    const i = this.next++;
    const call: Promise<void> = this.system.enqueueOne({ i }).then(
      () => {
        this.enqueued++;
      },
      () => {
        this.failed++;
      },
    );
    const tracked = call.finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }

  /** Resolves when one of the pending calls settles (at once when none is pending). */
  async oneSettled(): Promise<void> {
    if (this.pending.size > 0) await Promise.race(this.pending);
  }

  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
  }
}

async function runStep(producer: Producer, tally: JobTally, rate: number, stepMs: number): Promise<Step> {
  const startedAt = performance.now();
  let issued = 0;
  for (let elapsed = 0; elapsed < stepMs; elapsed = performance.now() - startedAt) {
    const due = Math.floor((rate * elapsed) / 1000) - issued;
    const n = Math.max(0, Math.min(due, producer.room));
    for (let k = 0; k < n; k++) producer.issue();
    issued += n;
    // Behind with every call slot taken: go on when a call settles. Waiting out a tick instead would cap the rate at
    // MAX_IN_FLIGHT per tick (under 20,000/s), below what the in-memory store takes.
    if (n < due) await producer.oneSettled();
    else await pause(TICK_MS);
  }
  const target = Math.floor((rate * stepMs) / 1000);
  // A job can start before its enqueue call returns (Postgres wakes workers before the call ends): never below 0.
  const backlog = Math.max(0, producer.enqueued - tally.distinct);
  const bound = Math.max(MIN_BACKLOG_BOUND, rate * BACKLOG_BOUND_SECONDS);
  const held = issued >= PRODUCER_KEPT_SHARE * target && backlog <= bound && producer.failed === 0;
  return { rate, target, issued, backlog, bound, held };
}

async function drainBacklog(producer: Producer, tally: JobTally): Promise<void> {
  await producer.settle();
  await tally.waitFor(producer.enqueued, SETTLE_TIMEOUT_MS);
}

async function once(spec: SystemSpec, settings: Settings, startRate: number): Promise<RunOutcome> {
  const { concurrency, stepMs, factor, maxSteps } = settings.steady;
  return withSystem(spec, async (system) => {
    const tally = new JobTally(Math.ceil(startRate * factor ** maxSteps * (stepMs / 1000)));
    const producer = new Producer(system);
    await system.startWorkers(concurrency, tally.record, 'throughput');
    const steps: Step[] = [];
    let direction: 'up' | 'down' | null = null;
    for (let k = 0, rate = startRate; k < maxSteps && rate >= MIN_RATE; k++) {
      // Stepping down starts from an empty queue, not from the backlog the failed step left.
      if (direction === 'down') await drainBacklog(producer, tally);
      const step = await runStep(producer, tally, rate, stepMs);
      steps.push(step);
      progress(
        `steady ${spec.name}: step ${k + 1} at ${count(rate)}/s: issued ${count(step.issued)}/${count(step.target)}, ` +
          `backlog ${count(step.backlog)} (bound ${count(step.bound)}): ${step.held ? 'held' : 'NOT held'}`,
      );
      direction ??= step.held ? 'up' : 'down';
      if (step.held !== (direction === 'up')) break;
      rate = Math.round(direction === 'up' ? rate * factor : rate / factor);
    }
    await producer.settle();
    const allRan = await tally.waitFor(producer.enqueued, SETTLE_TIMEOUT_MS);
    await system.stopWorkers();
    const held = steps.filter((s) => s.held).map((s) => s.rate);
    const best = held.length > 0 ? Math.max(...held) : 0;
    return {
      values: { 'max rate held': best },
      duplicates: tally.duplicates,
      missing: allRan && producer.failed === 0 ? producer.enqueued - tally.distinct : null,
      note: rampNote(steps, startRate, producer.failed, allRan),
      detail: { startRate, steps, enqueueErrors: producer.failed },
    };
  });
}

function rampNote(steps: readonly Step[], startRate: number, failed: number, allRan: boolean): string {
  const notes: string[] = [`started at ${count(startRate)}/s`];
  if (steps.every((s) => s.held)) notes.push(`held every step: the limit is above ${count(steps.at(-1)?.rate ?? 0)}/s`);
  if (steps.length > 0 && steps.every((s) => !s.held))
    notes.push(`no step held, down to ${count(steps.at(-1)?.rate ?? 0)}/s`);
  if (failed > 0) notes.push(`${count(failed)} enqueue calls failed`);
  if (!allRan) notes.push(`backlog not drained within ${SETTLE_TIMEOUT_MS / 1000} s after the ramp`);
  return notes.join('; ');
}

/**
 * The first step's rate: START_SHARE of what producing (single calls in flight) and consuming (concurrency 10) would
 * sustain together, judging by the earlier scenarios of this invocation; the fallback when they did not run.
 */
export function startRate(spec: SystemSpec, context: ScenarioContext): number {
  const { settings, earlier } = context;
  const medians = (scenario: string, match: (params: string) => boolean) =>
    earlier
      .filter((m) => m.system === spec.name && m.scenario === scenario && match(m.params) && m.samples.length > 0)
      .map((m) => median(m.samples));
  const consume = medians('process', (p) => p.endsWith(`concurrency ${settings.steady.concurrency}`));
  const produce = medians('enqueue', (p) => p.includes('in flight'));
  if (consume.length === 0 || produce.length === 0) return settings.steady.fallbackStartRate;
  const sustained = 1 / (1 / Math.max(...consume) + 1 / Math.max(...produce));
  return roundTwoDigits(Math.max(10, sustained * START_SHARE));
}

function roundTwoDigits(n: number): number {
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
  return Math.round(n / magnitude) * magnitude;
}

export const steadyScenario: Scenario = {
  name: 'steady',
  description: 'mixed steady load: a fixed enqueue rate stepped up while workers (concurrency 10) keep up',
  // One system after another: a ramp is minutes long and starts from a rate of its own system (startRate).
  async run(specs, context) {
    const { settings } = context;
    const { concurrency, stepMs, factor } = settings.steady;
    const results: Measurement[] = [];
    for (const spec of specs) {
      const start = startRate(spec, context);
      const key: CaseSpec = {
        spec,
        scenario: 'steady',
        // The start rate differs per system (see startRate), so it goes in the notes, not the compared parameters.
        params: `x${factor} per ${stepMs / 1000} s step, concurrency ${concurrency}`,
        metrics: [{ metric: 'max rate held', unit: 'jobs/s', better: 'higher' }],
      };
      results.push(...(await runCase(key, settings.steadyRuns, () => once(spec, settings, start))));
    }
    return results;
  },
};
