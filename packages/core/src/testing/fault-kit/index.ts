// index.ts: the fault suite every backend runs with its harness: real server processes over one store while the
// store's connections drop or stall, the store restarts, an event loop blocks or clocks disagree; each scenario ends
// with every job done exactly once by the handlers' own ledger, nothing stuck, and the servers alive. One file per
// scenario; a scenario runs where the harness offers what it needs (and the storage the capability), never by name.
import { describe } from 'vitest';
import type { Storage } from '../../storage.js';
import { blockedEventLoopScenario } from './blocked-event-loop.js';
import { type FaultContext, useFaultContext } from './context.js';
import { droppedConnectionsScenario } from './dropped-connections.js';
import type { FaultHarness } from './harness.js';
import { FAULT_SCENARIOS, type FaultScenario, type FaultScenarioName } from './scenario.js';
import { skewedClocksScenario } from './skewed-clocks.js';
import { stopDuringOutageScenario } from './stop-during-outage.js';
import { storeOutageScenario } from './store-outage.js';
import { storeRestartScenario } from './store-restart.js';

const SCENARIOS: readonly FaultScenario[] = [
  droppedConnectionsScenario,
  storeOutageScenario,
  storeRestartScenario,
  blockedEventLoopScenario,
  skewedClocksScenario,
  stopDuringOutageScenario,
];

export interface FaultSuiteOptions {
  /**
   * Scenarios that fail until a fix they need lands: they go to a describe block of their own, named as such, which
   * runs only when `runPending` is true (skipped otherwise), so the rest of the suite stays meaningful meanwhile.
   * @defaultValue []
   */
  pending?: readonly FaultScenarioName[];
  /** Run the pending scenarios too. @defaultValue false */
  runPending?: boolean;
  /** How many times each scenario runs; slow ones (a store restart) run once whatever this says. @defaultValue 1 */
  rounds?: number;
}

/**
 * Registers the fault suite for one backend: call it at the top level of the backend's `faults.test.ts`. Each test
 * gets a fresh store (and proxy) from the harness; children are killed and the store destroyed after it. Tests run
 * one after another, as a file's tests do: the store restart must not overlap another scenario.
 */
export function runFaultSuite<S extends Storage>(harness: FaultHarness<S>, options: FaultSuiteOptions = {}): void {
  const pending = new Set(options.pending ?? []);
  for (const name of pending) {
    if (!FAULT_SCENARIOS.includes(name)) throw new Error(`runFaultSuite: pending names no scenario: ${name}`);
  }
  const rounds = options.rounds ?? 1;
  if (!Number.isSafeInteger(rounds) || rounds < 1)
    throw new Error(`runFaultSuite: rounds must be >= 1 (got ${rounds})`);
  const applicable = SCENARIOS.filter((scenario) => scenario.applies(harness));
  const held = applicable.filter((scenario) => pending.has(scenario.name));
  describe(`faults: ${harness.name}`, () => {
    const ctx = useFaultContext(harness);
    registerScenarios(
      applicable.filter((scenario) => !pending.has(scenario.name)),
      ctx,
      rounds,
    );
    if (held.length === 0) return;
    const title = `pending core fixes, run with JOBSMITH_FAULTS_PENDING=1: ${held.map((s) => s.name).join(', ')}`;
    describe.runIf(options.runPending === true)(title, () => registerScenarios(held, ctx, rounds));
  });
}

function registerScenarios<S extends Storage>(
  scenarios: readonly FaultScenario[],
  ctx: FaultContext<S>,
  rounds: number,
): void {
  for (const scenario of scenarios) {
    const times = scenario.slow ? 1 : rounds;
    for (let round = 1; round <= times; round++) scenario.register(ctx, round);
  }
}
