// errors-test-support.ts: one instance of each error class errors.ts exports, for the tests that check `instanceof`
// across copies of the module (errors.test.ts, test/dual-build.test.ts). Not part of the public API.
import type * as errors from './errors.js';

/** The error classes of one copy of the module (errors.ts, or a build's exports). */
export type ErrorClasses = Pick<
  typeof errors,
  | 'JobsmithError'
  | 'ValidationError'
  | 'ConfigError'
  | 'NotFoundError'
  | 'IllegalTransitionError'
  | 'UniqueKeyConflictError'
  | 'StorageError'
  | 'UnrecoverableError'
  | 'JobAbortedError'
  | 'LeaseLostError'
  | 'ServerStateError'
>;

export type ErrorClassName = keyof ErrorClasses;

/** One instance of each class, made by the classes of `from`, keyed by class name. */
export function oneOfEachError(from: ErrorClasses): Record<ErrorClassName, Error> {
  return {
    JobsmithError: new from.JobsmithError('base'),
    ValidationError: new from.ValidationError('enqueue', 'payload', 'must be JSON'),
    ConfigError: new from.ConfigError('workerCount', 'must be an integer', 1.5),
    NotFoundError: new from.NotFoundError('get', 'j1'),
    IllegalTransitionError: new from.IllegalTransitionError('retry', 'j1', 'enqueued', 'enqueued'),
    UniqueKeyConflictError: new from.UniqueKeyConflictError('retry', 'j1', 'k'),
    StorageError: new from.StorageError('enqueue', { detail: 'down' }),
    UnrecoverableError: new from.UnrecoverableError('give up'),
    JobAbortedError: new from.JobAbortedError('j1', 'timeout'),
    LeaseLostError: new from.LeaseLostError('finish', 'j1'),
    ServerStateError: new from.ServerStateError('start', 'already running'),
  };
}

/**
 * Fails unless each instance made by `made` is, by `instanceof` on the classes of `checkedBy`, its own kind, a
 * JobsmithError and an Error, and no other kind.
 */
export function expectSameKinds(
  made: ErrorClasses,
  checkedBy: ErrorClasses,
  expect: (actual: unknown, message?: string) => { toBe(expected: unknown): void },
): void {
  const instances = oneOfEachError(made);
  const names = Object.keys(instances) as ErrorClassName[];
  for (const name of names) {
    const instance = instances[name];
    for (const kind of names) {
      const expected = kind === name || kind === 'JobsmithError';
      expect(instance instanceof checkedBy[kind], `a ${name} instanceof ${kind}`).toBe(expected);
    }
    expect(instance instanceof Error, `a ${name} instanceof Error`).toBe(true);
  }
}
