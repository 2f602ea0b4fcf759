// quickstart.ts: the smallest whole jobsmith program (`pnpm example`), on the embedded default, SQLite, in a file of
// the working directory (or the path given as the first argument). It registers three handlers, enqueues a plain, a
// delayed and a flaky job, waits for all of them through events, prints each outcome, stops and exits.
import { BackgroundJobServer, consoleLogger, defineJob, type JobEvent, WorkerRegistry } from '@jobsmith/core';
import { SqliteStorage } from '@jobsmith/storage-sqlite';

const sendEmail = defineJob<{ to: string }, { sent: boolean }>('send_email', async ({ to }, ctx) => {
  ctx.log.info({ to }, 'sending');
  return { sent: true };
});

let calls = 0;
const registry = new WorkerRegistry()
  .register(sendEmail)
  .register('resize_image', async (payload: { width: number }) => ({ width: payload.width, format: 'webp' }))
  .register('call_partner_api', async () => {
    calls++;
    if (calls === 1) throw new Error('partner API timed out'); // the first attempt fails; the retry succeeds
    return { calls };
  });

const storage = new SqliteStorage({ filename: process.argv[2] ?? 'jobsmith-quickstart.db' });
const server = new BackgroundJobServer(
  { workerCount: 4, retryPolicy: { type: 'fixed', delayMs: 200 }, logger: consoleLogger('warn') },
  storage,
  registry,
);

// The file outlives the program: wait for this run's jobs only (a job may finish before enqueue returns its id).
const finishedIds = new Set<string>();
let waitingFor: string[] | null = null;
let resolveFinished = () => {};
const finished = new Promise<void>((resolve) => {
  resolveFinished = resolve;
});
const checkDone = () => {
  if (waitingFor?.every((id) => finishedIds.has(id))) resolveFinished();
};
const onFinished = (e: JobEvent) => {
  console.log(`${e.job.method}: ${e.to}`);
  finishedIds.add(e.jobId);
  checkDone();
};
server.on('jobSucceeded', onFinished).on('jobFailed', onFinished);
server.on('jobRetrying', (e) =>
  console.log(`${e.job.method}: attempt ${e.job.attempt} failed (${e.job.lastError?.message}), retrying`),
);

await server.start();
const ids = [
  await server.client.enqueue(sendEmail, { to: 'ada@example.com' }),
  await server.client.enqueue('resize_image', { width: 640 }, { delayMs: 300 }),
  await server.client.enqueue('call_partner_api', {}, { maxAttempts: 3 }),
];
waitingFor = ids;
checkDone();
await finished;

for (const id of ids) {
  const job = await server.client.get(id);
  console.log(
    `  ${job?.method} -> ${job?.state} after ${job?.attempt} attempt(s), result ${JSON.stringify(job?.result)}`,
  );
}
await server.stop();
await storage.close();
console.log(`quickstart: all ${ids.length} jobs finished`);
