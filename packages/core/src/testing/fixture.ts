// fixture.ts: the per-test fixture every shared suite uses (conformance, server integration, faults): built before
// each test, torn down after it, and readable only in between.
import { afterEach, assert, beforeEach } from 'vitest';

/**
 * Registers a beforeEach that builds the fixture and an afterEach that tears it down (even when the test failed).
 * Returns the reader of the current test's fixture; it throws outside a test, naming `label`.
 */
export function useEachTestFixture<F>(
  label: string,
  setUp: () => Promise<F>,
  tearDown: (fixture: F) => Promise<void>,
): () => F {
  let fixture: F | undefined;
  beforeEach(async () => {
    fixture = await setUp();
  });
  afterEach(async () => {
    const done = fixture;
    fixture = undefined;
    if (done !== undefined) await tearDown(done);
  });
  return () => {
    assert(fixture !== undefined, `the ${label} is only available inside a test`);
    return fixture;
  };
}
