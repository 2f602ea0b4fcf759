import { describe, expect, it } from 'vitest';
import { IllegalTransitionError } from './errors.js';
import { ALLOWED_TRANSITIONS, assertTransition, isFinishedState, isTransitionAllowed, JOB_STATES } from './job.js';

describe('job transitions', () => {
  it('allows exactly the moves of the design', () => {
    const allowed = JOB_STATES.flatMap((from) => ALLOWED_TRANSITIONS[from].map((to) => `${from}->${to}`)).sort();
    expect(allowed).toEqual(
      [
        'awaiting_retry->deleted',
        'awaiting_retry->enqueued',
        'awaiting_retry->processing',
        'enqueued->deleted',
        'enqueued->processing',
        'failed->enqueued',
        'processing->awaiting_retry',
        'processing->deleted',
        'processing->enqueued',
        'processing->failed',
        'processing->scheduled',
        'processing->succeeded',
        'scheduled->deleted',
        'scheduled->enqueued',
        'scheduled->processing',
      ].sort(),
    );
  });

  it('throws a typed error for anything else', () => {
    expect(isTransitionAllowed('succeeded', 'enqueued')).toBe(false);
    expect(() => assertTransition('retry', 'job-1', 'succeeded', 'enqueued')).toThrow(IllegalTransitionError);
    expect(() => assertTransition('retry', 'job-1', 'succeeded', 'enqueued')).toThrow(
      'retry: job job-1 cannot move from succeeded to enqueued',
    );
  });

  it('counts succeeded, failed and deleted as finished', () => {
    expect(JOB_STATES.filter(isFinishedState)).toEqual(['succeeded', 'failed', 'deleted']);
  });
});
