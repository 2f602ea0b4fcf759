// main.ts: the `pnpm bench` entry. Parses the command line, checks which stores answer (skipping, loudly, only the
// systems of a store that does not), runs each chosen scenario on each chosen system, then prints the table and
// writes the JSON file. Measuring is the scenarios' job; formatting is report.ts's.
import { BenchError } from './errors.js';
import { parseArgs, type Settings, USAGE } from './options.js';
import { elapsedSeconds, progress } from './progress.js';
import { machine, renderTable, renderWarnings, writeJson } from './report.js';
import type { Measurement, Skip } from './result.js';
import { teardownLive } from './runner.js';
import { enqueueScenario } from './scenarios/enqueue.js';
import { latencyScenario } from './scenarios/latency.js';
import { processScenario } from './scenarios/process.js';
import type { Scenario } from './scenarios/scenario.js';
import { steadyScenario } from './scenarios/steady.js';
import { describe, probeStore, type ServiceUrls, serviceUrls } from './services.js';
import type { Store, SystemSpec } from './system.js';
import { allSystems } from './systems/index.js';

const SCENARIOS: readonly Scenario[] = [enqueueScenario, processScenario, latencyScenario, steadyScenario];
/** Period of the timer that keeps the process alive while it runs (every other timer is unref'd). */
const KEEP_ALIVE_MS = 2 ** 30;

/** The systems `--only` names: a system name, a product name, or `jobsmith` for all four of its stores. */
function chooseSystems(all: readonly SystemSpec[], only: readonly string[] | null): SystemSpec[] {
  if (only === null) return [...all];
  const wanted = only.map((name) => name.toLowerCase());
  for (const name of wanted) {
    if (!all.some((s) => s.name === name || s.product.toLowerCase() === name)) {
      const known = ['jobsmith', ...all.map((s) => s.name)].join(', ');
      throw new BenchError('bench', 'arguments', `--only ${name} is not a known system (known: ${known})`);
    }
  }
  return all.filter((s) => wanted.includes(s.name) || wanted.includes(s.product.toLowerCase()));
}

/** Probes each store once; returns the systems that can run and the skipped ones with the reason. */
async function usableSystems(chosen: readonly SystemSpec[], urls: ServiceUrls) {
  const reasons = new Map<Store, string | null>();
  for (const store of new Set(chosen.map((s) => s.store))) reasons.set(store, await probeStore(store, urls));
  const skips: Skip[] = [];
  const usable: SystemSpec[] = [];
  for (const spec of chosen) {
    const reason = reasons.get(spec.store) ?? null;
    if (reason === null) usable.push(spec);
    else skips.push({ system: spec.name, store: spec.store, reason });
  }
  return { usable, skips };
}

async function runAll(settings: Settings, systems: readonly SystemSpec[]): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  for (const scenario of SCENARIOS.filter((s) => settings.scenarios.includes(s.name))) {
    progress(`== ${scenario.name}: ${scenario.description}`);
    const taken = await scenario.run(systems, { settings, earlier: measurements });
    // Measured case by case across the systems; the table lists each system's rows together, in the chosen order.
    const bySystem = (m: Measurement) => systems.findIndex((spec) => spec.name === m.system);
    measurements.push(...taken.sort((a, b) => bySystem(a) - bySystem(b)));
  }
  return measurements;
}

function header(settings: Settings, systems: readonly SystemSpec[]): string {
  const m = machine();
  return [
    `jobsmith benchmark (${settings.quick ? 'quick' : 'full'} mode, ${settings.runs} run(s) per figure)`,
    `machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}, load ${m.loadAverage1m}`,
    ...systems.map((s) => `  ${s.name} (${s.store}): ${s.configuration}`),
  ].join('\n');
}

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed === 'help') {
    console.log(USAGE);
    return 0;
  }
  const settings = parsed;
  const startedAt = new Date();
  const urls = serviceUrls();
  const chosen = chooseSystems(allSystems(urls), settings.only);
  const { usable, skips } = await usableSystems(chosen, urls);
  for (const skip of skips) progress(`!!! SKIPPING ${skip.system}: ${skip.reason}`);
  const measurements = await runAll(settings, usable);
  const path = writeJson({ startedAt, settings, systems: usable, skips, measurements }, settings.jsonPath);
  const warnings = renderWarnings(measurements, skips);
  console.log(`\n${header(settings, usable)}\n\n${renderTable(measurements, skips)}\n`);
  for (const line of warnings) console.log(line);
  console.log(`\nraw figures: ${path} (${Math.round(elapsedSeconds())} s in all)`);
  return warnings.some((line) => line.includes('RED FLAG') || line.includes('FAILED')) ? 1 : 0;
}

/** How long to wait, once done, for libraries to let the process end by itself before exiting anyway. */
const EXIT_GRACE_MS = 5000;

const keepAlive = setInterval(() => {}, KEEP_ALIVE_MS);
process.once('SIGINT', () => {
  progress('interrupted: removing the schemas, key prefixes and files of the systems still set up');
  void teardownLive().finally(() => process.exit(130));
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof BenchError ? error.message : describe(error));
  if (!(error instanceof BenchError) && error instanceof Error && error.stack) console.error(error.stack);
  process.exitCode = 2;
} finally {
  clearInterval(keepAlive);
  // Everything is torn down, but a peer library may still hold a timer or a socket (pg-boss's offWork polls until its
  // workers report stopped); the benchmark is over either way.
  setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
}
