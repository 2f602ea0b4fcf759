// dual-build.test.ts: @jobsmith/core's ESM and CJS builds loaded in one process (an app imports jobsmith while one of
// its dependencies requires it) are two copies of every class. Errors must still be recognised across them: an
// UnrecoverableError from the CJS copy, thrown by a handler the ESM copy's server runs, fails the job at once.
// The copies are built here with tsup as `pnpm build` builds them (without types) into a private directory, so the
// test needs no build first and never reads a stale dist.
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { MemoryStorage } from '@jobsmith/storage-memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectSameKinds, oneOfEachError } from '../src/errors-test-support.js';

type Core = typeof import('../src/index.js');

const CORE_DIR = join(import.meta.dirname, '..');
const TSUP = join(CORE_DIR, '..', '..', 'node_modules', '.bin', 'tsup');
/** Inside the package, so the builds' external imports (cron-parser, eventemitter3) resolve as dist's do. */
const OUT_DIR = join(CORE_DIR, 'node_modules', '.cache', `dual-build-${process.pid}`);
/** How long the server may take to run the job once, in real time (it is woken by the enqueue). */
const OUTCOME_TIMEOUT_MS = 10_000;

describe('the ESM and CJS builds in one process', () => {
  let esm: Core;
  let cjs: Core;

  beforeAll(async () => {
    await promisify(execFile)(
      TSUP,
      ['src/index.ts', '--format', 'esm,cjs', '--target', 'node20', '--out-dir', OUT_DIR, '--no-config', '--silent'],
      { cwd: CORE_DIR, timeout: 60_000 },
    );
    // Under node_modules no package scope applies; the ESM build needs one saying .js is a module, as dist has.
    await writeFile(join(OUT_DIR, 'package.json'), '{ "type": "module" }\n');
    esm = (await import(pathToFileURL(join(OUT_DIR, 'index.js')).href)) as Core;
    cjs = createRequire(import.meta.url)(join(OUT_DIR, 'index.cjs')) as Core;
    expect(esm.UnrecoverableError).not.toBe(cjs.UnrecoverableError);
  }, 60_000);

  afterAll(async () => {
    await rm(OUT_DIR, { recursive: true, force: true });
  });

  it('recognises each exported error class of one build as the same kind in the other', () => {
    const exported = Object.entries(esm).flatMap(([name, value]) =>
      typeof value === 'function' && value.prototype instanceof Error ? [name] : [],
    );
    expect(Object.keys(oneOfEachError(esm)).sort()).toEqual(exported.sort());
    expectSameKinds(cjs, esm, expect);
    expectSameKinds(esm, cjs, expect);
  });

  it("fails a job at once when its handler throws the CJS build's UnrecoverableError under the ESM build's server", async () => {
    // A third copy: the storage package runs on the sources' core.
    const storage = new MemoryStorage();
    const registry = new esm.WorkerRegistry().register('charge', async () => {
      throw new cjs.UnrecoverableError('card declined');
    });
    const server = new esm.BackgroundJobServer({ workerCount: 1, logger: esm.silentLogger }, storage, registry);
    const outcome = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the job was not run')), OUTCOME_TIMEOUT_MS);
      for (const event of ['jobFailed', 'jobRetrying'] as const) {
        server.on(event, () => {
          clearTimeout(timer);
          resolve(event);
        });
      }
    });
    await server.start();
    try {
      const id = await new esm.JobClient(storage).enqueue('charge', {}, { maxAttempts: 5 });
      expect(await outcome).toBe('jobFailed');
      const job = await storage.get(id);
      expect(job).toMatchObject({ state: 'failed', attempt: 1, maxAttempts: 5 });
      expect(job?.lastError).toMatchObject({ name: 'UnrecoverableError', message: 'card declined' });
    } finally {
      await server.stop();
    }
  });
});
