// input-checked.ts: the seam's input checks, applied once for every backend. A backend's constructor ends with
// `return withInputChecks(this)`; every method that takes input then rejects a bad value with a ValidationError naming
// the field before the backend sees it, so no backend writes (or forgets) a check of its own, and a bad batch writes
// nothing. The conformance suite drives every checked method, so a backend that skips the wrapper fails it.

import type { EnqueueParams, Storage } from '../storage.js';
import { type CheckedMethod, checkNoTransaction, storageChecks } from './input-checks.js';

/** Storages already wrapped (the proxies), so wrapping twice is a no-op. */
const wrapped = new WeakSet<object>();

type Method = (...args: unknown[]) => unknown;

function isCheckedMethod(key: string | symbol): key is CheckedMethod {
  return typeof key === 'string' && Object.hasOwn(storageChecks, key);
}

/**
 * The same storage, with each method that takes input checked first. Other members pass through, and every method
 * runs with the backend itself as `this`. Idempotent.
 */
export function withInputChecks<S extends Storage<never>>(storage: S): S {
  if (wrapped.has(storage)) return storage;
  // One function per method, made on first use, so a hot path (finish, fetchAndLock) allocates nothing per call;
  // made again if the method was replaced on the instance (a test's spy).
  const methods = new Map<string | symbol, { of: Method; method: Method }>();
  const checked = new Proxy(storage, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const cached = methods.get(key);
      if (cached?.of === value) return cached.method;
      const of = value as Method;
      const method = isCheckedMethod(key) ? checkedMethod(target, key, of) : of.bind(target);
      methods.set(key, { of, method });
      return method;
    },
  });
  wrapped.add(checked);
  return checked;
}

function checkedMethod(storage: Storage<never>, name: CheckedMethod, method: Method): Method {
  const check = storageChecks[name] as (...args: unknown[]) => void;
  return (...args) => {
    try {
      check(...args);
      if (name === 'enqueue' && !storage.capabilities.transactionalEnqueue) {
        checkNoTransaction('enqueue', (args[0] as EnqueueParams).tx);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return method.apply(storage, args);
  };
}
