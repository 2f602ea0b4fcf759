// claim-loop.ts (test only): one "process" of multi-process.test.ts. Opens the shared file, prints `ready`, waits
// for a line on stdin (so all children start claiming together), then loops fetchAndLock (limit 5) + finish until
// no job is left, and prints one JSON line: every job it claimed, with the attempt and whether finish applied.
// Usage: node --conditions=source --import tsx claim-loop.ts <filename> <serverId>
import { once } from 'node:events';
import { SqliteStorage } from '../src/index.js';

interface Claimed {
  id: string;
  attempt: number;
  finished: boolean;
}

const [filename, serverId] = process.argv.slice(2);
if (!filename || !serverId) throw new Error('usage: claim-loop.ts <filename> <serverId>');

const storage = new SqliteStorage({ filename });
await storage.migrate();
process.stdout.write('ready\n');
await once(process.stdin, 'data');
process.stdin.destroy();

const claimed: Claimed[] = [];
for (;;) {
  const jobs = await storage.fetchAndLock({ serverId, queues: [], limit: 5, leaseMs: 600_000 });
  if (jobs.length === 0) break;
  const outcomes = jobs.map((job) => ({ id: job.id, leaseId: job.leaseId!, to: 'succeeded' as const, result: 'null' }));
  const finished = await storage.finish(outcomes);
  jobs.forEach((job, index) => {
    claimed.push({ id: job.id, attempt: job.attempt, finished: finished[index] === true });
  });
}
await storage.close();
process.stdout.write(`${JSON.stringify(claimed)}\n`);
