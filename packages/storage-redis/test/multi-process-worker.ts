// multi-process-worker.ts: one OS process of multi-process.test.ts. Connects to the shared store (REDIS_URL,
// JOBSMITH_PREFIX), says `ready`, waits for `go` on stdin, then claims 5 at a time and finishes each as succeeded
// until a claim comes back empty, and prints the jobs it claimed as one JSON line.
import { createInterface } from 'node:readline';
import { RedisStorage } from '../src/storage.js';

const serverId = `process-${process.pid}`;
const storage = new RedisStorage({ url: process.env.REDIS_URL, prefix: process.env.JOBSMITH_PREFIX });
await storage.migrate();

const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) if (line === 'go') break;
lines.close();

const claimed: { id: string; attempt: number }[] = [];
for (;;) {
  const jobs = await storage.fetchAndLock({ serverId, queues: [], limit: 5, leaseMs: 60_000 });
  if (jobs.length === 0) break;
  for (const job of jobs) claimed.push({ id: job.id, attempt: job.attempt });
  const outcomes = jobs.map((job) => ({ id: job.id, leaseId: job.leaseId as string, to: 'succeeded' as const }));
  const applied = await storage.finish(outcomes);
  if (applied.includes(false)) throw new Error(`${serverId}: a finish was refused`);
}
await storage.close();
process.stdout.write(`${JSON.stringify({ serverId, claimed })}\n`);
