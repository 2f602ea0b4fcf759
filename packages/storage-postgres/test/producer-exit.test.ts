// producer-exit.test.ts: a process that enqueues through a PostgresStorage and returns without close() exits by
// itself: the pool's idle connections do not hold it (allowExitOnIdle). A real process on purpose (see
// process-kit/producer-exit.ts).
import { fileURLToPath } from 'node:url';
import { expectProducerExits } from '@jobsmith/core/testing';
import { afterEach, beforeEach, it } from 'vitest';
import type { PostgresStorage } from '../src/index.js';
import { DATABASE_URL, dropSchema, freshSchemaName, openStorage } from './helpers.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/producer-script.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

let schema: string;
let storage: PostgresStorage;

beforeEach(async () => {
  schema = freshSchemaName();
  storage = await openStorage(schema);
});

afterEach(async () => {
  await storage.close();
  await dropSchema(schema);
});

it('lets a producer process that enqueued and returned without close() exit', { timeout: 90_000 }, async () => {
  await expectProducerExits({
    nodeArgs: ['--conditions=source', '--import', 'tsx', SCRIPT],
    cwd: REPO_ROOT,
    env: { DATABASE_URL, JOBSMITH_SCHEMA: schema },
    storage,
  });
});
