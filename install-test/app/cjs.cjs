// The CommonJS app: the same job through require(); prints `cjs: <result>`. Usage: node cjs.cjs <sqlite file>
const { BackgroundJobServer, JobClient, silentLogger, WorkerRegistry } = require('@jobsmith/core');
const { SqliteStorage } = require('@jobsmith/storage-sqlite');
// The backend author's entry resolves through require() too.
const { withInputChecks } = require('@jobsmith/core/storage');

async function main() {
  const storage = withInputChecks(new SqliteStorage({ filename: process.argv[2] }));
  const registry = new WorkerRegistry().register('greet', async (payload) => `hello ${payload.name}`);
  const server = new BackgroundJobServer({ logger: silentLogger }, storage, registry);
  await server.start();
  const succeeded = new Promise((resolve) => server.on('jobSucceeded', (event) => resolve(event.job.result)));
  await new JobClient(storage).enqueue('greet', { name: 'cjs' });
  console.log(`cjs: ${await succeeded}`);
  await server.stop();
  await storage.close();
}
main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
