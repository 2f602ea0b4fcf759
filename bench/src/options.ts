// options.ts: the command line and the two presets (full and --quick). It only parses and checks arguments into
// one frozen Settings object; nothing else reads process.argv.
import { BenchError } from './errors.js';

export const SCENARIO_NAMES = ['enqueue', 'process', 'latency', 'steady'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Everything a scenario needs to know about sizes, repetitions and time limits. */
export interface Settings {
  quick: boolean;
  /** Runs per measurement (the steady ramp uses `steadyRuns`). */
  runs: number;
  steadyRuns: number;
  /** System names or products to run (`jobsmith` selects the four jobsmith stores); null = all. */
  only: string[] | null;
  scenarios: ScenarioName[];
  /** Where the JSON goes; null = bench/results/<timestamp>.json. */
  jsonPath: string | null;
  enqueue: { counts: number[]; inFlight: number; bulkChunk: number };
  process: { counts: number[]; concurrencies: number[]; fillChunk: number };
  latency: { samples: number; minGapMs: number; maxGapMs: number; concurrency: number };
  steady: { concurrency: number; stepMs: number; factor: number; maxSteps: number; fallbackStartRate: number };
  /**
   * A run still going after this long stops and reports the rate of what it did (noted in the table), so a slow
   * system cannot stretch the whole benchmark; the rate over 10-20 s of steady work is already a stable figure.
   */
  runBudgetMs: number;
}

const FULL = {
  runs: 3,
  enqueue: { counts: [10_000, 50_000], inFlight: 50, bulkChunk: 1000 },
  process: { counts: [10_000, 50_000], concurrencies: [1, 10, 50], fillChunk: 1000 },
  latency: { samples: 300, minGapMs: 5, maxGapMs: 10, concurrency: 10 },
  steady: { concurrency: 10, stepMs: 30_000, factor: 1.5, maxSteps: 8, fallbackStartRate: 100 },
  runBudgetMs: 20_000,
};

const QUICK = {
  runs: 1,
  enqueue: { counts: [2000], inFlight: 50, bulkChunk: 1000 },
  process: { counts: [2000], concurrencies: [1, 10], fillChunk: 1000 },
  latency: { samples: 100, minGapMs: 5, maxGapMs: 10, concurrency: 10 },
  steady: { concurrency: 10, stepMs: 3000, factor: 1.5, maxSteps: 3, fallbackStartRate: 100 },
  runBudgetMs: 10_000,
};

export const USAGE = `Usage: pnpm bench [options]

  --quick                 small counts, one run, 3 s steps (finishes in under two minutes)
  --only <name,...>       systems: jobsmith (all four stores), jobsmith-memory, jobsmith-sqlite,
                          jobsmith-postgres, jobsmith-redis, bullmq, pg-boss, graphile-worker
  --scenario <name,...>   ${SCENARIO_NAMES.join(', ')} (default: all)
  --runs N                runs per measurement (default 3, quick 1)
  --steady-runs N         runs of the steady-load ramp (default 1)
  --json <path>           where to write the raw figures (default bench/results/<timestamp>.json)
  --help                  this text

Services: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), REDIS_URL (default redis://127.0.0.1:6379).`;

/** Parses `argv` (without node and the script); throws BenchError naming the bad option. */
export function parseArgs(argv: readonly string[]): Settings | 'help' {
  const flags = readFlags(argv);
  if (flags.has('help')) return 'help';
  const quick = flags.has('quick');
  const preset = quick ? QUICK : FULL;
  const runs = flags.has('runs') ? positiveInteger('--runs', flags.get('runs')) : preset.runs;
  return Object.freeze({
    quick,
    runs,
    steadyRuns: flags.has('steady-runs') ? positiveInteger('--steady-runs', flags.get('steady-runs')) : 1,
    only: flags.has('only') ? list('--only', flags.get('only')) : null,
    scenarios: flags.has('scenario') ? scenarios(flags.get('scenario')) : [...SCENARIO_NAMES],
    jsonPath: flags.get('json') ?? null,
    enqueue: preset.enqueue,
    process: preset.process,
    latency: preset.latency,
    steady: preset.steady,
    runBudgetMs: preset.runBudgetMs,
  });
}

const VALUE_FLAGS = new Set(['only', 'scenario', 'runs', 'steady-runs', 'json']);
const BOOLEAN_FLAGS = new Set(['quick', 'help']);

function readFlags(argv: readonly string[]): Map<string, string | undefined> {
  const flags = new Map<string, string | undefined>();
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k]!;
    if (arg === '--') continue;
    const [name = '', inline] = arg.replace(/^--?/, '').split(/=(.*)/s, 2);
    if (!arg.startsWith('-')) throw new BenchError('bench', 'arguments', `unexpected argument ${arg}\n\n${USAGE}`);
    if (BOOLEAN_FLAGS.has(name) || name === 'h') {
      flags.set(name === 'h' ? 'help' : name, undefined);
    } else if (VALUE_FLAGS.has(name)) {
      const value = inline ?? argv[++k];
      if (value === undefined || value.startsWith('--')) {
        throw new BenchError('bench', 'arguments', `--${name} needs a value`);
      }
      flags.set(name, value);
    } else {
      throw new BenchError('bench', 'arguments', `unknown option ${arg}\n\n${USAGE}`);
    }
  }
  return flags;
}

function positiveInteger(flag: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new BenchError('bench', 'arguments', `${flag} must be an integer from 1 to 100 (got ${value})`);
  }
  return n;
}

function list(flag: string, value: string | undefined): string[] {
  const items = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new BenchError('bench', 'arguments', `${flag} needs at least one name`);
  return items;
}

function scenarios(value: string | undefined): ScenarioName[] {
  const names = list('--scenario', value);
  for (const name of names) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
      throw new BenchError('bench', 'arguments', `--scenario ${name} is not one of ${SCENARIO_NAMES.join(', ')}`);
    }
  }
  return SCENARIO_NAMES.filter((name) => names.includes(name));
}
