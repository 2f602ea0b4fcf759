import { describe, expect, it } from 'vitest';
import { JobAbortedError, JobsmithError } from '../errors.js';
import type { Job } from '../job.js';
import { RUN_MOVES, Run, type RunState } from './run.js';

const STATES: readonly RunState[] = ['running', 'held', 'writtenBehind', 'releasing', 'ended'];

function newRun(): Run {
  return new Run({ id: 'job-1', leaseId: 'lease-1', attempt: 1 } as Job, 5000, 1000);
}

/** A run brought to `state` along allowed moves. */
function runIn(state: RunState): Run {
  const run = newRun();
  if (state === 'held') run.hold();
  else if (state === 'writtenBehind') run.writeBehind();
  else if (state === 'releasing') run.release();
  else if (state === 'ended') run.end();
  return run;
}

/** Makes `run` move to `to` through the method that names that move. */
function moveTo(run: Run, to: RunState): void {
  if (to === 'held') run.hold();
  else if (to === 'writtenBehind') run.writeBehind();
  else if (to === 'releasing') run.release();
  else if (to === 'ended') run.end();
  else throw new Error('no move leads back to running');
}

describe('Run', () => {
  it('starts running, holding a slot, with its lease and deadline from the claim', () => {
    const run = newRun();
    expect(run.state).toBe('running');
    expect([run.isRunning, run.holdsSlot, run.abortedBy, run.isCancelled]).toEqual([true, true, null, false]);
    expect(run.lease).toEqual({ id: 'job-1', leaseId: 'lease-1' });
    expect([run.timeoutMs, run.deadlineAt]).toEqual([5000, 6000]);
  });

  it('allows exactly the moves of its lifecycle', () => {
    const allowed = STATES.flatMap((from) => RUN_MOVES[from].map((to) => `${from}->${to}`)).sort();
    expect(allowed).toEqual(
      [
        'running->held',
        'running->writtenBehind',
        'running->releasing',
        'running->ended',
        'held->writtenBehind',
        'held->ended',
        'writtenBehind->ended',
        'releasing->ended',
      ].sort(),
    );
  });

  for (const from of STATES) {
    for (const to of STATES) {
      if (to === 'running') continue;
      const allowed = RUN_MOVES[from].includes(to);
      it(`${allowed ? 'moves' : 'refuses to move'} from ${from} to ${to}`, () => {
        const run = runIn(from);
        if (allowed) {
          moveTo(run, to);
          expect(run.state).toBe(to);
        } else {
          expect(() => moveTo(run, to)).toThrow(JobsmithError);
          expect(() => moveTo(run, to)).toThrow(`run of job job-1 cannot move to ${to} while ${from}`);
          expect(run.state).toBe(from);
        }
      });
    }
  }

  it('holds a worker slot while running, held or releasing, and not once written behind or ended', () => {
    const holding = STATES.filter((state) => runIn(state).holdsSlot);
    expect(holding).toEqual(['running', 'held', 'releasing']);
    expect(STATES.filter((state) => runIn(state).isRunning)).toEqual(['running']);
  });

  it('fires its signal once, with the first reason, even when the signal is read after the abort', () => {
    const run = newRun();
    const timeout = new JobAbortedError('job-1', 'timeout', 'after 5000 ms');
    expect(run.abort('timeout', timeout)).toBe(true);
    expect(run.abort('stop')).toBe(false);
    expect(run.abortedBy).toBe('timeout');
    expect(run.signal.aborted).toBe(true);
    expect(run.signal.reason).toBe(timeout);
  });

  it('aborts a signal already handed out, with a JobAbortedError naming the reason', () => {
    const run = newRun();
    const { signal } = run;
    expect(signal.aborted).toBe(false);
    run.abort('cancel');
    expect(signal.reason).toBeInstanceOf(JobAbortedError);
    expect(signal.reason).toMatchObject({ jobId: 'job-1', reason: 'cancel' });
  });

  it('refuses to abort a run whose end is decided: no handler is listening any more', () => {
    for (const state of STATES.filter((s) => s !== 'running')) {
      expect(() => runIn(state).abort('stop')).toThrow(`run of job job-1 cannot abort (stop) while ${state}`);
    }
  });

  it('notes a cancel once, in any state, without moving', () => {
    const run = runIn('writtenBehind');
    expect(run.noteCancelled()).toBe(true);
    expect(run.noteCancelled()).toBe(false);
    expect([run.isCancelled, run.state]).toEqual([true, 'writtenBehind']);
  });
});
