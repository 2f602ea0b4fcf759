// cpu-split.ts: a profiling aid, not a scenario. Drains one backlog with one system, the way the process scenario
// does, and says where the CPU went: the Node process (all its threads) and the store's server processes (postgres
// backends or redis-server, read from /proc), per job. `--profile <file>` also writes a V8 CPU profile of the drain
// alone (open it in Chrome DevTools). Linux only: it reads /proc.
//
//   pnpm --filter @jobsmith/bench cpu-split jobsmith-postgres 50000 10 [--runs 3] [--profile /tmp/drain]
//     [--workers throughput|defaults|latency]   (the worker profile, system.ts WorkerProfile; default throughput)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { waitUntilDrained } from './runner.js';
import { serviceUrls } from './services.js';
import type { WorkerProfile } from './system.js';
import { allSystems } from './systems/index.js';
import { JobTally } from './tally.js';

/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;
const FILL_CHUNK = 1000;
const DRAIN_TIMEOUT_MS = 120_000;

/** CPU ticks (user + system, own + waited-for children) of every process whose name starts with `name`. */
function cpuTicksOf(name: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).startsWith(name)) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return ticks;
}

async function startProfile(): Promise<Session> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return session;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '1' },
    profile: { type: 'string' },
    workers: { type: 'string', default: 'throughput' },
  },
});
const PROFILES: readonly WorkerProfile[] = ['throughput', 'latency', 'defaults'];
const workers = PROFILES.find((profile) => profile === values.workers);
if (workers === undefined) throw new Error(`--workers must be one of ${PROFILES.join(', ')}`);
const [name = 'jobsmith-postgres', jobsArg = '50000', concurrencyArg = '10'] = positionals;
const n = Number(jobsArg);
const concurrency = Number(concurrencyArg);
const spec = allSystems(serviceUrls()).find((candidate) => candidate.name === name);
if (spec === undefined) throw new Error(`no system named ${name}`);
const server = spec.store === 'postgres' ? 'postgres' : spec.store === 'redis' ? 'redis-server' : null;

for (let run = 0; run < Number(values.runs); run++) {
  const system = spec.create();
  await system.setup();
  try {
    for (let i = 0; i < n; i += FILL_CHUNK) {
      await system.enqueueBulk(Array.from({ length: Math.min(FILL_CHUNK, n - i) }, (_, k) => ({ i: i + k })));
    }
    const tally = new JobTally(n);
    const session = values.profile === undefined ? null : await startProfile();
    const node0 = process.cpuUsage();
    const server0 = server === null ? 0 : cpuTicksOf(server);
    await system.startWorkers(concurrency, tally.record, workers);
    await tally.waitFor(n, DRAIN_TIMEOUT_MS);
    const drainedAt = (await waitUntilDrained(system, DRAIN_TIMEOUT_MS)) ?? Number.NaN;
    const node = process.cpuUsage(node0);
    const serverUs = server === null ? 0 : ((cpuTicksOf(server) - server0) * 1e6) / TICKS_PER_SECOND;
    if (session !== null) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(`${values.profile}.${run}.cpuprofile`, JSON.stringify(profile));
      session.disconnect();
    }
    const wallUs = (drainedAt - tally.firstAt) * 1000;
    const perJob = (us: number) => (us / n).toFixed(1);
    console.log(
      `${name} (${workers}) ${n} jobs, concurrency ${concurrency}: ${Math.round((n * 1e6) / wallUs)} jobs/s; per job: ` +
        `wall ${perJob(wallUs)} us, Node user ${perJob(node.user)} + system ${perJob(node.system)} us, ` +
        `${server ?? 'no server'} ${perJob(serverUs)} us; duplicates ${tally.duplicates}, missing ${tally.missing(n)}`,
    );
    await system.stopWorkers();
  } finally {
    await system.teardown();
  }
}
process.exit(0);
