// The ESM app: a server and a client on the installed packages run one job; prints `esm: <result>`.
// Usage: node esm.mjs sqlite <file> | node esm.mjs postgres <connectionString> <schema> | node esm.mjs redis <url> <prefix>
import { BackgroundJobServer, JobClient, silentLogger, WorkerRegistry } from '@jobsmith/core';

const [kind, target, schema] = process.argv.slice(2);
async function openStorage() {
  if (kind === 'postgres') {
    return new (await import('@jobsmith/storage-postgres')).PostgresStorage({ connectionString: target, schema });
  }
  if (kind === 'redis')
    return new (await import('@jobsmith/storage-redis')).RedisStorage({ url: target, prefix: schema });
  return new (await import('@jobsmith/storage-sqlite')).SqliteStorage({ filename: target });
}
const storage = await openStorage();
const registry = new WorkerRegistry().register('greet', async (payload) => `hello ${payload.name}`);
const server = new BackgroundJobServer({ logger: silentLogger }, storage, registry);
await server.start();
const succeeded = new Promise((resolve) => server.on('jobSucceeded', (event) => resolve(event.job.result)));
await new JobClient(storage).enqueue('greet', { name: kind });
console.log(`esm: ${await succeeded}`);
await server.stop();
await storage.close();
