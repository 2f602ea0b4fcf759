import { describe, expect, it } from 'vitest';
import { buildNewJob } from './enqueue-options.js';
import { ValidationError } from './errors.js';
import { MAX_INSTANT_MS } from './validation.js';

const now = new Date(Date.UTC(2030, 0, 1));

function fieldOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).field;
  }
  throw new Error('expected a ValidationError');
}

describe('buildNewJob', () => {
  it('fills the defaults', () => {
    const job = buildNewJob('enqueue', 'send', { to: 'a' }, undefined, now);
    expect(job).toMatchObject({
      method: 'send',
      payload: '{"to":"a"}',
      queue: 'default',
      priority: 0,
      state: 'enqueued',
      maxAttempts: 5,
      timeoutMs: null,
      uniqueKey: null,
      metadata: {},
      onDuplicate: 'keep',
    });
    expect(job.runAt).toEqual(now);
    expect(job.createdAt).toEqual(now);
    expect(job.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('schedules a job due in the future and enqueues one due now or before', () => {
    expect(buildNewJob('enqueue', 'm', 1, { delayMs: 10 }, now)).toMatchObject({
      state: 'scheduled',
      runAt: new Date(now.getTime() + 10),
    });
    expect(buildNewJob('enqueue', 'm', 1, { runAt: new Date(now.getTime() - 5) }, now).state).toBe('enqueued');
    expect(buildNewJob('enqueue', 'm', 1, { delayMs: 0 }, now).state).toBe('enqueued');
  });

  it('keeps every given option', () => {
    const job = buildNewJob(
      'enqueue',
      'm',
      null,
      {
        queue: 'mail.out',
        priority: -3,
        maxAttempts: 1,
        timeoutMs: 50,
        uniqueKey: 'k',
        onDuplicate: 'replace',
        metadata: { a: 'b' },
        id: 'my-id',
      },
      now,
    );
    expect(job).toMatchObject({
      onDuplicate: 'replace',
      queue: 'mail.out',
      priority: -3,
      maxAttempts: 1,
      timeoutMs: 50,
      uniqueKey: 'k',
      id: 'my-id',
    });
    expect(job.metadata).toEqual({ a: 'b' });
    expect(job.payload).toBe('null');
  });

  it('names the bad field', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const cases: [unknown, unknown, object | undefined, string][] = [
      ['', {}, undefined, 'method'],
      ['x'.repeat(256), {}, undefined, 'method'],
      ['m', 10n, undefined, 'payload'],
      ['m', cycle, undefined, 'payload'],
      ['m', () => 1, undefined, 'payload'],
      ['m', undefined, undefined, 'payload'],
      ['m', Number.NaN, undefined, 'payload'],
      ['m', { n: Number.POSITIVE_INFINITY }, undefined, 'payload (at key "n")'],
      ['m', [1, undefined], undefined, 'payload (at key "1")'],
      ['m', {}, { queue: '' }, 'options.queue'],
      ['m', {}, { queue: 'has space' }, 'options.queue'],
      ['m', {}, { queue: 'q'.repeat(129) }, 'options.queue'],
      ['m', {}, { priority: 1.5 }, 'options.priority'],
      ['m', {}, { priority: 2 ** 31 }, 'options.priority'],
      ['m', {}, { maxAttempts: 0 }, 'options.maxAttempts'],
      ['m', {}, { delayMs: -1 }, 'options.delayMs'],
      ['m', {}, { delayMs: 1e20 }, 'options.delayMs'],
      ['m', {}, { delayMs: MAX_INSTANT_MS - now.getTime() + 1 }, 'options.delayMs'],
      ['m', {}, { runAt: new Date(Number.NaN) }, 'options.runAt'],
      ['m', {}, { runAt: new Date(MAX_INSTANT_MS + 1) }, 'options.runAt'],
      ['m', {}, { runAt: new Date(-1) }, 'options.runAt'],
      ['m', {}, { runAt: now, delayMs: 1 }, 'options.runAt'],
      ['m', {}, { timeoutMs: 0 }, 'options.timeoutMs'],
      ['m', {}, { metadata: { a: 1 } }, 'options.metadata.a'],
      ['m', {}, { uniqueKey: '' }, 'options.uniqueKey'],
      ['m', {}, { uniqueKey: 'k', onDuplicate: 'merge' }, 'options.onDuplicate'],
      ['m', {}, { onDuplicate: 'replace' }, 'options.onDuplicate'],
      ['m', {}, { id: 'has space' }, 'options.id'],
      ['m', {}, { prority: 1 }, 'options.prority'],
    ];
    for (const [method, payload, options, field] of cases) {
      expect(fieldOf(() => buildNewJob('enqueue', method, payload, options as never, now))).toBe(field);
    }
  });

  it('prefixes fields of batch items', () => {
    expect(fieldOf(() => buildNewJob('enqueueMany', 'm', 1n, undefined, now, 'items[2].'))).toBe('items[2].payload');
  });

  it('says what was given in the message', () => {
    expect(() => buildNewJob('enqueue', 'm', {}, { priority: 1.5 }, now)).toThrow(
      'enqueue: options.priority must be an integer (got 1.5)',
    );
    expect(() => buildNewJob('enqueue', 'm', {}, { delayMs: 1e20 }, now)).toThrow(
      `enqueue: options.delayMs must be a finite number of milliseconds from 0 to ${MAX_INSTANT_MS - now.getTime()} (due by 9999-12-31T23:59:59.999Z) (got 100000000000000000000)`,
    );
  });
});
