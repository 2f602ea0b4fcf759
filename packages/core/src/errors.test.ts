import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as errors from './errors.js';
import { expectSameKinds, oneOfEachError } from './errors-test-support.js';

describe('error classes across two copies of the module', () => {
  // A second, separate evaluation of errors.ts: what an app gets when the ESM and CJS builds (or two versions of
  // @jobsmith/core) are loaded in one process. The built copies are tested in test/dual-build.test.ts.
  let other: typeof errors;
  beforeAll(async () => {
    vi.resetModules();
    other = await import('./errors.js');
    expect(other.UnrecoverableError).not.toBe(errors.UnrecoverableError);
  });

  it('covers every error class the module exports', () => {
    const exported = Object.entries(errors).flatMap(([name, value]) =>
      typeof value === 'function' && value.prototype instanceof Error ? [name] : [],
    );
    expect(Object.keys(oneOfEachError(errors)).sort()).toEqual(exported.sort());
  });

  it('recognises each error of the other copy as its own kind, a JobsmithError and an Error, and no other kind', () => {
    expectSameKinds(other, errors, expect);
    expectSameKinds(errors, other, expect);
  });

  it('recognises an app subclass of the other copy’s UnrecoverableError as an UnrecoverableError', () => {
    class PaymentDeclined extends other.UnrecoverableError {}
    const declined = new PaymentDeclined('card declined');
    expect(declined instanceof errors.UnrecoverableError).toBe(true);
    expect(declined instanceof errors.JobsmithError).toBe(true);
    expect(declined instanceof errors.ValidationError).toBe(false);
    // The app's own class keeps ordinary instanceof: only its own instances.
    expect(declined instanceof PaymentDeclined).toBe(true);
    expect(new errors.UnrecoverableError('x') instanceof PaymentDeclined).toBe(false);
  });

  it('recognises nothing else: plain errors, look-alikes and non-objects', () => {
    const lookAlike = Object.assign(new Error('x'), { name: 'UnrecoverableError' });
    for (const value of [new Error('x'), lookAlike, { name: 'JobsmithError' }, 'UnrecoverableError', null, undefined]) {
      expect(value instanceof errors.JobsmithError).toBe(false);
      expect(value instanceof errors.UnrecoverableError).toBe(false);
    }
  });
});
