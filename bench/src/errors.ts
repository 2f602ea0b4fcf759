// errors.ts: the benchmark's own error type, so a failure says which system and which step broke.

/** A benchmark step failed; `system` and `step` name where. */
export class BenchError extends Error {
  override readonly name = 'BenchError';
  readonly system: string;
  readonly step: string;

  constructor(system: string, step: string, message: string, options?: { cause?: unknown }) {
    super(`${system}: ${step}: ${message}`, options);
    this.system = system;
    this.step = step;
  }
}

/** The error an adapter throws when a method is called before `setup()`. */
export function notSetUp(system: string, step: string): BenchError {
  return new BenchError(system, step, 'setup() was not called (or teardown() already ran)');
}
