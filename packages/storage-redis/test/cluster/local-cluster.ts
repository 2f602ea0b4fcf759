// local-cluster.ts: starts a throwaway Redis Cluster of N masters (redis-server child processes on free loopback
// ports, joined by `redis-cli --cluster create`) in a temporary directory, and tears it all down. It never reuses a
// running cluster and never touches the single Redis at REDIS_URL.
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const HOST = '127.0.0.1';
/** Redis Cluster's bus listens on the client port + 10000; both must be free. */
const BUS_PORT_OFFSET = 10_000;
/** Client ports are drawn from here, so bus ports stay below Linux's ephemeral range (32768+). */
const PORT_RANGE = { from: 7_100, to: 22_000 };
/**
 * For a server to start, the nodes to meet and the cluster to reach ok. Generous: a loaded 2-core machine running the
 * whole suite once took over 10 s to join three nodes (a passing start takes about one).
 */
const START_TIMEOUT_MS = 30_000;
/** Rounds of picking ports and starting servers, should a port be taken meanwhile. */
const START_ATTEMPTS = 3;
/** How much of a server's log an error message quotes. */
const LOG_TAIL_CHARS = 2_000;
const STOP_TIMEOUT_MS = 5_000;
/** Pause between CLUSTER INFO polls while the nodes agree: there is no event to wait on. */
const STATE_POLL_MS = 50;
const HOW_TO_INSTALL =
  'the Redis Cluster tests start a local cluster themselves and need redis-server and redis-cli on PATH: ' +
  'install them with `apt-get install redis-server`';

const run = promisify(execFile);

/** One master of the cluster. */
export interface ClusterNode {
  readonly host: string;
  readonly port: number;
  /** A plain connection to this node alone, for admin commands (CLUSTER, SCRIPT, SCAN); closed by `stop`. */
  readonly admin: Redis;
}

/** A running local cluster; `stop()` kills its processes and removes its directory. */
export interface LocalCluster {
  readonly nodes: readonly ClusterNode[];
  /** The port of the master that serves `slot` now (asked of the cluster, so it follows slot moves). */
  masterOfSlot(slot: number): Promise<number>;
  /** Starts moving `slot` and its keys to the master on `toPort` (see SlotMove). */
  beginSlotMove(slot: number, toPort: number): Promise<SlotMove>;
  /** Moves `slot` and its keys to the master on `toPort` in one go, and tells every node. */
  moveSlot(slot: number, toPort: number): Promise<void>;
  stop(): Promise<void>;
}

/** Throws, saying how to install them, when redis-server or redis-cli is missing. */
function checkBinaries(): void {
  for (const binary of ['redis-server', 'redis-cli']) {
    const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error(`${binary} is not usable (${probe.error?.message ?? probe.stderr}): ${HOW_TO_INSTALL}`);
    }
  }
}

async function isFree(port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, HOST);
    await once(server, 'listening');
  } catch {
    return false;
  }
  await new Promise((resolve) => server.close(resolve));
  return true;
}

/** `count` ports whose bus ports are free too, from a random start so parallel runs rarely collide. */
async function freePorts(count: number): Promise<number[]> {
  const span = PORT_RANGE.to - PORT_RANGE.from;
  const ports: number[] = [];
  for (let port = PORT_RANGE.from + Math.floor(Math.random() * span); ports.length < count; port++) {
    if (port >= PORT_RANGE.to) port = PORT_RANGE.from;
    if ((await isFree(port)) && (await isFree(port + BUS_PORT_OFFSET))) ports.push(port);
  }
  return ports;
}

/** Starts one cluster-mode redis-server and resolves once it accepts connections (its own log line says so). */
async function startServer(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      ...['--port', String(port), '--bind', HOST, '--dir', dir, '--daemonize', 'no'],
      ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`)],
      ...['--save', '', '--appendonly', 'no'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // The log is read for as long as the server runs (a full pipe would stall it); only its tail is kept.
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    const fail = (reason: string): void => reject(new Error(`redis-server :${port} ${reason}:\n${log}`));
    const timer = setTimeout(() => fail(`not ready in ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    timer.unref();
    const read = (chunk: Buffer): void => {
      log = (log + chunk.toString()).slice(-LOG_TAIL_CHARS);
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(`exited (code ${code}) before it was ready`);
    });
    child.once('error', reject);
  });
  try {
    await ready;
  } catch (error) {
    await stopServer(child);
    throw error;
  }
  return child;
}

/**
 * Starts `count` servers on free ports. A port found free can still be taken before redis-server binds it (another
 * test file starting its own cluster): then it tries again on other ports.
 */
async function startServers(count: number, dir: string, children: ChildProcess[]): Promise<number[]> {
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(count);
    const started = await Promise.allSettled(ports.map((port) => startServer(port, dir)));
    const running = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failed = started.find((result) => result.status === 'rejected');
    if (!failed) {
      children.push(...running);
      return ports;
    }
    await Promise.all(running.map(stopServer));
    if (attempt === START_ATTEMPTS) throw failed.reason;
  }
}

/** SIGTERM, then SIGKILL if it has not exited within STOP_TIMEOUT_MS. */
async function stopServer(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  timer.unref();
  await exited;
  clearTimeout(timer);
}

/** Resolves once every node reports cluster_state:ok and knows every master. */
async function waitUntilOk(nodes: readonly ClusterNode[]): Promise<void> {
  const deadline = performance.now() + START_TIMEOUT_MS;
  for (;;) {
    const infos = await Promise.all(nodes.map((node) => node.admin.cluster('INFO')));
    const isOk = infos.every(
      (info) => info.includes('cluster_state:ok') && info.includes(`cluster_known_nodes:${nodes.length}`),
    );
    if (isOk) return;
    if (performance.now() > deadline) throw new Error(`the cluster did not reach cluster_state:ok:\n${infos[0]}`);
    await pause(STATE_POLL_MS);
  }
}

async function joinCluster(ports: readonly number[]): Promise<void> {
  const args = ['--cluster', 'create', ...ports.map((port) => `${HOST}:${port}`), '--cluster-replicas', '0'];
  try {
    await run('redis-cli', [...args, '--cluster-yes'], { timeout: START_TIMEOUT_MS });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`redis-cli --cluster create failed:\n${stdout}${stderr}`, { cause: error });
  }
}

async function slotOwner(node: ClusterNode, slot: number): Promise<number> {
  const ranges = (await node.admin.cluster('SLOTS')) as unknown as [number, number, [string, number]][];
  const range = ranges.find(([from, to]) => from <= slot && slot <= to);
  if (!range) throw new Error(`no master serves slot ${slot}`);
  return range[2][1];
}

/** Keys handed over per MIGRATE while moving a slot. */
const MIGRATE_BATCH = 100;

/** A slot being moved to another master, stage by stage, as a resharding does. */
export interface SlotMove {
  /** MIGRATEs up to `count` of the slot's remaining keys to the target; resolves to how many moved. */
  migrateKeys(count: number): Promise<number>;
  /** Migrates the keys left and assigns the slot to the target on every node. */
  finish(): Promise<void>;
}

/** Marks `slot` IMPORTING on the master on `toPort` and MIGRATING on its owner; keys move with the SlotMove. */
async function beginSlotMove(nodes: readonly ClusterNode[], slot: number, toPort: number): Promise<SlotMove> {
  const byPort = (port: number): ClusterNode => nodes.find((node) => node.port === port)!;
  const [source, target] = [byPort(await slotOwner(nodes[0]!, slot)), byPort(toPort)];
  if (source === target) throw new Error(`slot ${slot} is already served by :${toPort}`);
  const [sourceId, targetId] = await Promise.all([source.admin.cluster('MYID'), target.admin.cluster('MYID')]);
  await target.admin.cluster('SETSLOT', slot, 'IMPORTING', sourceId);
  await source.admin.cluster('SETSLOT', slot, 'MIGRATING', targetId);
  const migrateKeys = async (count: number): Promise<number> => {
    const keys = await source.admin.cluster('GETKEYSINSLOT', slot, count);
    if (keys.length > 0) await source.admin.migrate(HOST, toPort, '', 0, START_TIMEOUT_MS, 'KEYS', ...keys);
    return keys.length;
  };
  const finish = async (): Promise<void> => {
    let moved: number;
    do moved = await migrateKeys(MIGRATE_BATCH);
    while (moved > 0);
    const others = nodes.filter((node) => node !== source && node !== target);
    for (const node of [target, source, ...others]) await node.admin.cluster('SETSLOT', slot, 'NODE', targetId);
  };
  return { migrateKeys, finish };
}

/** Starts `masters` fresh cluster-mode servers and joins them; on any failure, what was started is torn down. */
export async function startLocalCluster(masters = 3): Promise<LocalCluster> {
  checkBinaries();
  const dir = await mkdtemp(join(tmpdir(), 'jobsmith-redis-cluster-'));
  const children: ChildProcess[] = [];
  const nodes: ClusterNode[] = [];
  // A crashed test run must not leave servers behind.
  const killAll = (): void => {
    for (const child of children) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const stop = async (): Promise<void> => {
    for (const node of nodes) node.admin.disconnect();
    await Promise.all(children.map(stopServer));
    process.off('exit', killAll);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports = await startServers(masters, dir, children);
    for (const port of ports) nodes.push({ host: HOST, port, admin: new Redis({ host: HOST, port }) });
    await joinCluster(ports);
    await waitUntilOk(nodes);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes,
    masterOfSlot: (slot) => slotOwner(nodes[0]!, slot),
    beginSlotMove: (slot, toPort) => beginSlotMove(nodes, slot, toPort),
    moveSlot: async (slot, toPort) => (await beginSlotMove(nodes, slot, toPort)).finish(),
    stop,
  };
}
