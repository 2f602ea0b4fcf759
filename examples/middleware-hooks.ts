// middleware-hooks.ts: wrapping every execution and watching every transition. Three middleware (outermost first):
// the built-in logger, a timer, and a dry-run switch that short-circuits; hooks print each persisted state change.
import {
  BackgroundJobServer,
  consoleLogger,
  type Logger,
  loggingMiddleware,
  type Middleware,
  WorkerRegistry,
} from '@jobsmith/core';
import { MemoryStorage } from '@jobsmith/storage-memory';

const logger: Logger = consoleLogger('warn');
const jobLog: Logger = consoleLogger('info');

/** Measures each execution; `performance.now()` is fine here: this is app code, not the framework's clock. */
const timing: Middleware = async (ctx, next) => {
  const started = performance.now();
  try {
    return await next();
  } finally {
    console.log(`  [timing] ${ctx.job.method} took ${(performance.now() - started).toFixed(1)} ms`);
  }
};

/** Skips the handler for jobs marked as a dry run, and stores what would have happened instead. */
const dryRun: Middleware = async (ctx, next) => {
  if (ctx.job.metadata.dryRun === 'true') return { dryRun: true, wouldRun: ctx.job.method };
  return next();
};

const registry = new WorkerRegistry().register('charge_card', async (payload: { cents: number }) => ({
  charged: payload.cents,
}));

const server = new BackgroundJobServer({ workerCount: 2, logger }, new MemoryStorage(), registry)
  .use(loggingMiddleware({ logger: jobLog }))
  .use(timing)
  .use(dryRun)
  .onStateChange((e) => console.log(`  [hook] ${e.job.method} ${e.from} -> ${e.to}`))
  .on('error', (e) => console.error(`  [error from ${e.source}]`, e.error));

let pending = 2;
const done = new Promise<void>((resolve) => {
  server.on('jobSucceeded', () => {
    if (--pending === 0) resolve();
  });
});

await server.start();
const real = await server.client.enqueue('charge_card', { cents: 1999 });
const dry = await server.client.enqueue('charge_card', { cents: 5000 }, { metadata: { dryRun: 'true' } });
await done;
console.log('real result:', JSON.stringify((await server.client.get(real))?.result));
console.log('dry-run result:', JSON.stringify((await server.client.get(dry))?.result));
await server.stop();
console.log('middleware-hooks: done');
