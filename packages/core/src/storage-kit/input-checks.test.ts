// input-checks.test.ts: the shared seam checks accept every value the core itself produces (the limits included)
// and name the exact field of a bad one; the conformance suite proves each backend runs them.
import { describe, expect, it } from 'vitest';
import { buildNewJob } from '../enqueue-options.js';
import { ValidationError } from '../errors.js';
import { makeNewJob } from '../testing/new-job.js';
import { checkNoTransaction, storageChecks } from './input-checks.js';

describe('storageChecks.enqueue', () => {
  it('accepts jobs at the limits the core allows', () => {
    const edge = makeNewJob({ priority: -(2 ** 31), maxAttempts: 2 ** 31 - 1, timeoutMs: 1, uniqueKey: 'k' });
    expect(() => storageChecks.enqueue({ jobs: [makeNewJob(), edge] })).not.toThrow();
    expect(() => storageChecks.enqueue({ jobs: [] })).not.toThrow();
  });

  it('names the operation and the item in the message', () => {
    expect(() => storageChecks.enqueue({ jobs: [makeNewJob(), makeNewJob({ timeoutMs: 1.5 })] })).toThrow(
      'enqueue: jobs[1].timeoutMs must be a positive integer of milliseconds (got 1.5)',
    );
  });

  it('trusts a job buildNewJob made, which is frozen, and checks a copy of it like any hand-made job', () => {
    const built = buildNewJob('enqueue', 'send', { to: 'a' }, undefined, new Date());
    expect(Object.isFrozen(built) && Object.isFrozen(built.metadata)).toBe(true);
    expect(() => {
      (built as { payload: string }).payload = 'not json';
    }).toThrow(TypeError);
    expect(() => storageChecks.enqueue({ jobs: [built] })).not.toThrow();
    expect(() => storageChecks.enqueue({ jobs: [built, { ...built, payload: 'not json' }] })).toThrow(
      'enqueue: jobs[1].payload must be valid JSON text',
    );
  });

  it('rejects a jobs value that is not an array', () => {
    expect(() => storageChecks.enqueue({ jobs: {} as never })).toThrow(expect.objectContaining({ field: 'jobs' }));
  });
});

describe('checkNoTransaction', () => {
  it('accepts no tx and rejects any tx, naming the field', () => {
    expect(() => checkNoTransaction('enqueue', undefined)).not.toThrow();
    expect(() => checkNoTransaction('enqueue', {})).toThrow(
      expect.objectContaining({ name: 'ValidationError', field: 'tx' }),
    );
  });
});

describe('storageChecks.fetchAndLock', () => {
  it('accepts limit 0 and rejects a fractional leaseMs', () => {
    expect(() => storageChecks.fetchAndLock({ serverId: 's', queues: [], limit: 0, leaseMs: 1 })).not.toThrow();
    expect(() => storageChecks.fetchAndLock({ serverId: 's', queues: [], limit: 1, leaseMs: 0.5 })).toThrow(
      ValidationError,
    );
  });
});

describe('storageChecks.finish', () => {
  it('accepts each finish state with what it needs', () => {
    const lease = { id: 'j', leaseId: 'l' };
    const runAt = new Date(0);
    const outcomes = [
      { ...lease, to: 'succeeded', result: '[]', expiresAt: null, purge: true },
      { ...lease, to: 'failed', error: new Error('x'), expiresAt: runAt },
      { ...lease, to: 'awaiting_retry', error: { message: 'y' }, runAt },
      { ...lease, to: 'scheduled', runAt },
    ] as const;
    expect(() => storageChecks.finish({ outcomes: [...outcomes] })).not.toThrow();
  });

  it('requires a runAt of a snooze to scheduled', () => {
    const snooze = { id: 'j', leaseId: 'l', to: 'scheduled' } as const;
    expect(() => storageChecks.finish({ outcomes: [snooze] })).toThrow(
      expect.objectContaining({ field: 'outcomes[0].runAt' }),
    );
  });
});

describe('storageChecks.registerServer', () => {
  it('accepts an empty hostname and rejects a negative workerCount', () => {
    const info = {
      id: 'jobsmith#1',
      name: 'jobsmith',
      hostname: '',
      pid: 1,
      queues: ['default'],
      workerCount: 0,
      startedAt: new Date(0),
      lastHeartbeatAt: new Date(0),
    };
    expect(() => storageChecks.registerServer(info)).not.toThrow();
    expect(() => storageChecks.registerServer({ ...info, workerCount: -1 })).toThrow(
      expect.objectContaining({ field: 'info.workerCount' }),
    );
  });
});

describe('storageChecks', () => {
  it('names each method it checks as the operation', () => {
    expect(() => storageChecks.heartbeatServer('')).toThrow(/^heartbeatServer: id must be a non-empty string/);
    expect(() => storageChecks.purgeExpired({ now: new Date(0), limit: -1 })).toThrow(/^purgeExpired: limit /);
  });
});
