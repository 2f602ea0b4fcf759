// listen.ts: test helpers for LISTEN/NOTIFY: a recorder of wake-ups that can be awaited with a bound, and a way to
// find a storage's listener connection on the server. Real time on purpose: notifications come from other
// connections, so no clock can stand in; every wait is bounded and ends at the event.
import { makeNewJob } from '@jobsmith/core/testing';
import { expect } from 'vitest';
import type { PostgresStorage } from '../src/index.js';
import { adminQuery } from './helpers.js';

/** Records the queues a subscriber hears; `until(queue)` resolves when that queue is heard, or fails after `ms`. */
export class Heard {
  readonly queues: string[] = [];
  private readonly waiters = new Set<() => void>();

  readonly listener = (queue: string): void => {
    this.queues.push(queue);
    for (const wake of [...this.waiters]) wake();
  };

  async until(queue: string, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!this.queues.includes(queue)) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no wake-up for queue ${queue} within ${ms} ms (heard: ${this.queues.join(', ')})`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        timer.unref();
        this.waiters.add(wake);
      });
    }
  }
}

/**
 * Enqueues a job on `queue` through `storage` until `heard` hears it: the first NOTIFY can go out before a new
 * listener's LISTEN is in place, and everything enqueued after the one heard is heard too.
 */
export async function enqueueUntilHeard(storage: PostgresStorage, heard: Heard, queue: string): Promise<void> {
  for (let tries = 0; tries < 40 && !heard.queues.includes(queue); tries++) {
    await storage.enqueue({ jobs: [makeNewJob({ queue })] });
    await heard.until(queue, 250).catch(() => undefined);
  }
  expect(heard.queues).toContain(queue);
}

/** Server pids of the connections LISTENing on `storage`'s channel (from pg_stat_activity). */
export async function listenerPids(storage: PostgresStorage): Promise<number[]> {
  const { rows } = await adminQuery<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND position($1 in query) > 0 ORDER BY pid',
    [`LISTEN "${storage.schema}_jobs"`],
  );
  return rows.map((row) => row.pid);
}

/** Polls (bounded) until `check` returns a value; for server-side state that emits no event to the test. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25).unref());
  }
}
