// scenario.ts: the shape of one fault scenario: its name (what a backend lists to hold it back while a fix is
// pending), whether it is slow (run once however many rounds are asked for), whether the harness offers what it
// needs, and the test it registers.
import type { Storage } from '../../storage.js';
import type { FaultContext } from './context.js';
import type { FaultHarness } from './harness.js';

/** Every fault scenario, by file name. */
export const FAULT_SCENARIOS = Object.freeze([
  'dropped-connections',
  'store-outage',
  'store-restart',
  'blocked-event-loop',
  'skewed-clocks',
  'stop-during-outage',
] as const);

export type FaultScenarioName = (typeof FAULT_SCENARIOS)[number];

export interface FaultScenario {
  name: FaultScenarioName;
  /** Runs once per suite run even when rounds are repeated (a store restart, long waits). */
  slow: boolean;
  /** Whether the harness offers what the scenario needs (a proxy, a write lock, a restart). */
  applies(harness: FaultHarness): boolean;
  /** Registers the scenario's test; `round` (from 1) tells repeated rounds apart in titles. */
  register<S extends Storage>(ctx: FaultContext<S>, round: number): void;
}

/** A title suffix telling repeated rounds apart (none for the first). */
export function roundSuffix(round: number): string {
  return round > 1 ? ` (round ${round})` : '';
}
