import { describe, expect, it } from 'vitest';
import { type ErrorEvent, EventHub } from './events.js';
import type { Job } from './job.js';
import type { Logger } from './logger.js';

function quietLogger(): Logger & { errors: string[] } {
  const errors: string[] = [];
  return { debug() {}, info() {}, warn() {}, error: (_fields, message) => errors.push(message), errors };
}

const job = { id: 'j1', state: 'succeeded' } as Job;

describe('EventHub', () => {
  it('emits stateChange then the event named for the move', () => {
    const hub = new EventHub(quietLogger());
    const seen: string[] = [];
    hub.on('stateChange', (e) => {
      seen.push(`stateChange:${e.from}->${e.to}`);
    });
    hub.on('jobSucceeded', (e) => {
      seen.push(`jobSucceeded:${e.jobId}`);
    });
    hub.emitMove(job, 'processing', new Date(0));
    expect(seen).toEqual(['stateChange:processing->succeeded', 'jobSucceeded:j1']);
  });

  it('reports a throwing listener on error and still calls the next listener', () => {
    const hub = new EventHub(quietLogger());
    const errors: ErrorEvent[] = [];
    let reached = false;
    hub.on('error', (e) => {
      errors.push(e);
    });
    hub.on('stateChange', () => {
      throw new Error('listener bug');
    });
    hub.on('stateChange', () => {
      reached = true;
    });
    hub.emitMove(job, 'processing', new Date(0));
    expect(reached).toBe(true);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ source: 'listener' });
    expect((errors[0]!.error as Error).message).toBe('listener bug');
  });

  it('reports a rejecting async listener on error', async () => {
    const hub = new EventHub(quietLogger());
    const reported = new Promise<ErrorEvent>((resolve) => hub.on('error', resolve));
    hub.on('jobSucceeded', async () => {
      throw new Error('async bug');
    });
    hub.emitMove(job, 'processing', new Date(0));
    expect(((await reported).error as Error).message).toBe('async bug');
  });

  it('only logs a throwing error listener (no loop)', () => {
    const logger = quietLogger();
    const hub = new EventHub(logger);
    hub.on('error', () => {
      throw new Error('error listener bug');
    });
    hub.reportError(new Error('original'), 'server');
    expect(logger.errors).toEqual(['jobsmith server error', 'an error listener threw']);
  });

  it('stops calling a listener after off()', () => {
    const hub = new EventHub(quietLogger());
    let calls = 0;
    const listener = () => {
      calls++;
    };
    hub.on('stateChange', listener);
    hub.emitMove(job, 'processing', new Date(0));
    hub.off('stateChange', listener);
    hub.emitMove(job, 'processing', new Date(0));
    expect(calls).toBe(1);
    expect(hub.wantsMove('succeeded')).toBe(false);
  });
});
