// recurring.ts: a cron schedule. It declares a job that fires every second (6-field cron, read in a timezone), lets
// it fire three times, removes the schedule and stops. Any number of servers could run this: each tick fires once.
import { BackgroundJobServer, consoleLogger, WorkerRegistry } from '@jobsmith/core';
import { MemoryStorage } from '@jobsmith/storage-memory';

const registry = new WorkerRegistry().register('heartbeat_report', async (payload: { service: string }, ctx) => {
  return { service: payload.service, checkedAt: ctx.job.runAt.toISOString() };
});

const server = new BackgroundJobServer(
  { workerCount: 1, recurringPollIntervalMs: 200, logger: consoleLogger('warn') },
  new MemoryStorage(),
  registry,
);

const wanted = 3;
const firedThrice = new Promise<void>((resolve) => {
  let fired = 0;
  server.on('recurringFired', (e) => {
    console.log(`fired ${e.id} for the tick at ${e.fireAt.toISOString()}`);
  });
  server.on('jobSucceeded', (e) => {
    console.log(`  ${e.job.method} succeeded: ${JSON.stringify(e.job.result)}`);
    if (++fired === wanted) resolve();
  });
});

await server.scheduleRecurring(
  'report',
  '* * * * * *',
  'heartbeat_report',
  { service: 'billing' },
  {
    timezone: 'Europe/Paris',
    misfire: 'skip',
  },
);
await server.start();
await firedThrice;
await server.removeRecurring('report');
await server.stop();
console.log(`recurring: fired ${wanted} times`);
