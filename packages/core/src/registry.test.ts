import { describe, expect, it } from 'vitest';
import { ValidationError } from './errors.js';
import { defineJob, type JobContext, WorkerRegistry } from './registry.js';

const ctx = {} as JobContext;

describe('WorkerRegistry', () => {
  it('registers a function, a worker object and a defineJob handle', async () => {
    const handle = defineJob<{ n: number }, number>('double', (payload) => payload.n * 2);
    const registry = new WorkerRegistry()
      .register('echo', async (payload: unknown) => payload)
      .register({ method: 'upper', execute: (payload: string) => payload.toUpperCase() })
      .register(handle);
    expect(registry.methods()).toEqual(['echo', 'upper', 'double']);
    expect(await registry.get('echo')?.('hi', ctx)).toBe('hi');
    expect(await registry.get('upper')?.('hi', ctx)).toBe('HI');
    expect(await registry.get('double')?.({ n: 21 }, ctx)).toBe(42);
    expect(registry.has('missing')).toBe(false);
  });

  it('rejects a second handler for one method', () => {
    const registry = new WorkerRegistry().register('a', () => 1);
    expect(() => registry.register('a', () => 2)).toThrow(/method is already registered/);
  });

  it('rejects bad registrations naming the field', () => {
    const registry = new WorkerRegistry();
    expect(() => registry.register('', () => 1)).toThrow(ValidationError);
    expect(() => registry.register('x', 'not a function' as never)).toThrow(/handler must be a function/);
    expect(() => registry.register({ method: 'y' } as never)).toThrow(/worker.execute/);
  });
});
