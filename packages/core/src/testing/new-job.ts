// new-job.ts: builds a valid NewJob for storage-level tests, which hand jobs to a Storage directly (no JobClient, so
// no validation): every field has a plain default that any single field can override.
import { uuidv7 } from '../ids.js';
import type { JsonValue, NewJob } from '../job.js';

/** ManualClock's default start, so tests on a fresh ManualClock need not pass `now`. */
const DEFAULT_NOW_MS = Date.UTC(2030, 0, 1);

/** Fields to override; `payloadValue` is serialized into `payload` (and wins over it). */
export type NewJobOverrides = Partial<NewJob> & { payloadValue?: JsonValue };

/**
 * A valid `NewJob`: a fresh UUIDv7 id, method `test`, queue `default`, priority 0, state `enqueued`, maxAttempts 5,
 * payload `{}`, no timeout, uniqueKey or metadata, onDuplicate `keep`, and `runAt` = `createdAt` = `now`.
 * @param overrides fields to replace; `payloadValue` is JSON-serialized into `payload`.
 * @param now the enqueue time, usually `clock.now()`. @defaultValue 2030-01-01T00:00:00.000Z
 */
export function makeNewJob(overrides: NewJobOverrides = {}, now: Date = new Date(DEFAULT_NOW_MS)): NewJob {
  const { payloadValue, ...fields } = overrides;
  const job: NewJob = {
    id: uuidv7(now.getTime()),
    method: 'test',
    payload: '{}',
    queue: 'default',
    priority: 0,
    state: 'enqueued',
    maxAttempts: 5,
    timeoutMs: null,
    runAt: new Date(now.getTime()),
    createdAt: new Date(now.getTime()),
    uniqueKey: null,
    metadata: {},
    onDuplicate: 'keep',
    ...fields,
  };
  if (payloadValue !== undefined) job.payload = JSON.stringify(payloadValue);
  return job;
}
