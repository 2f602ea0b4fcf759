// push-ready.ts: makes a child's push wake-ups live before it says `ready`. A backend opens its LISTEN / SUBSCRIBE
// connection lazily, so a job enqueued right after start could be missed and wait a whole poll; this holds a
// subscription open and enqueues probe jobs on a private queue until one is heard, then deletes them.
import { JobClient } from '../../client.js';
import { randomId } from '../../ids.js';
import type { Storage } from '../../storage.js';

/** Pause between probes, in ms: the subscription may take a few round trips to come up. */
const PROBE_EVERY_MS = 250;
/** Give up after this long, in ms: a backend that declares push must deliver within it. */
const PROBE_FOR_MS = 15_000;

/**
 * Subscribes to `storage` and resolves, once a probe was heard, with the unsubscribe: the caller keeps the
 * subscription until its own (the server's) is made, so the connection cannot close in between. A storage without
 * push resolves at once. Rejects when no probe is heard in time.
 */
export async function holdLivePush(storage: Storage): Promise<() => void> {
  if (!storage.capabilities.push) return () => {};
  const queue = `probe-${randomId()}`;
  let heard = false;
  let wake = () => {};
  const unsubscribe = storage.subscribe((from) => {
    if (from !== queue) return;
    heard = true;
    wake();
  });
  const client = new JobClient(storage);
  const probes: string[] = [];
  try {
    for (let waited = 0; !heard; waited += PROBE_EVERY_MS) {
      if (waited >= PROBE_FOR_MS) throw new Error(`no push wake-up for queue ${queue} within ${PROBE_FOR_MS} ms`);
      const pause = new AbortController();
      wake = () => pause.abort();
      probes.push(await client.enqueue('probe', {}, { queue }));
      if (!heard) await storage.clock.sleep(PROBE_EVERY_MS, pause.signal);
    }
  } catch (error) {
    unsubscribe();
    throw error;
  } finally {
    for (const id of probes) await client.delete(id);
  }
  return unsubscribe;
}
