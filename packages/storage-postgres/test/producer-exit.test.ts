// producer-exit.test.ts: a process that enqueues through a PostgresStorage and returns without close() exits by
// itself: the pool's idle connections do not hold it (allowExitOnIdle). A real process on purpose (see
// process-kit/producer-exit.ts).
import { fileURLToPath } from 'node:url';
import { expectProducerExits } from '@jobsmith/core/testing';
import { describe, it } from 'vitest';
import { DATABASE_URL, storageForSuite } from './helpers.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/producer-script.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('a producer process', () => {
  const { schema, storage } = storageForSuite();

  it('exits once it enqueued and returned without close()', { timeout: 90_000 }, async () => {
    await expectProducerExits({
      nodeArgs: ['--conditions=source', '--import', 'tsx', SCRIPT],
      cwd: REPO_ROOT,
      env: { DATABASE_URL, JOBSMITH_SCHEMA: schema },
      storage: storage(),
    });
  });
});
