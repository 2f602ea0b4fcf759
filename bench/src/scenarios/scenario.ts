// scenarios/scenario.ts: what a scenario is: a name, a one-line description for the report, and a run over the chosen
// systems that returns their measurements. Scenarios never print the table; they only measure.
import type { ScenarioName, Settings } from '../options.js';
import type { Measurement } from '../result.js';
import type { SystemSpec } from '../system.js';

export interface ScenarioContext {
  settings: Settings;
  /** Measurements taken earlier in this invocation (the steady ramp seeds its start rate from them). */
  earlier: readonly Measurement[];
}

export interface Scenario {
  readonly name: ScenarioName;
  /** What it measures, one line, for the report. */
  readonly description: string;
  /** Measures every system of `specs` (each case's runs interleaved across them: runner.ts runCases). */
  run(specs: readonly SystemSpec[], context: ScenarioContext): Promise<Measurement[]>;
}
