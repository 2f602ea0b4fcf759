// The TypeScript app, compiled with `tsc --strict` and no skipLibCheck against the installed typings: a typed job
// handle, every backend's options, and a payload the compiler must refuse.
import { BackgroundJobServer, defineJob, JobClient, silentLogger, WorkerRegistry } from '@jobsmith/core';
import { foldCounts, type Storage, withInputChecks } from '@jobsmith/core/storage';
import { PostgresStorage } from '@jobsmith/storage-postgres';
import { RedisStorage } from '@jobsmith/storage-redis';
import { SqliteStorage } from '@jobsmith/storage-sqlite';

const greet = defineJob<{ name: string }, string>('greet', async ({ name }) => `hello ${name}`);

export async function main(filename: string): Promise<string> {
  const storage = new SqliteStorage({ filename });
  const server = new BackgroundJobServer({ logger: silentLogger }, storage, new WorkerRegistry().register(greet));
  await server.start();
  const client = new JobClient(storage);
  const id: string = await client.enqueue(greet, { name: 'ts' });
  // @ts-expect-error: the handle types its payload
  await client.enqueue(greet, { name: 42 });
  await server.stop();
  await storage.close();
  return id;
}

// The backend author's entry: its wrapper keeps the storage's own type, and counts fold from rows.
export function checked<S extends Storage<never>>(storage: S): S {
  return withInputChecks(storage);
}
export const total: number = foldCounts([{ queue: 'default', state: 'enqueued', n: 2 }]).byState.enqueued;

export const others = [
  () => new PostgresStorage({ connectionString: 'postgres://localhost/app', durableClaims: true }),
  () => new RedisStorage({ url: 'redis://127.0.0.1:6379', prefix: 'app' }),
];
