import { describe, expect, it } from 'vitest';
import type { ServerDeadEvent } from '../events.js';
import { makeNewJob } from '../testing/new-job.js';
import { Heartbeat, type HeartbeatConfig } from './heartbeat.js';
import { advanceUntil, describeLoopLifecycle, makeLoopFixture, makeServer, retryTimes } from './test-support.js';

const CONFIG: HeartbeatConfig = {
  serverId: 'me#1',
  serverName: 'me',
  queues: ['default'],
  workerCount: 4,
  enabled: true,
  intervalMs: 1000,
  deadServerTimeoutMs: 5000,
  failedTtlMs: 60_000,
};

function setup(config: Partial<HeartbeatConfig> = {}) {
  const { clock, memory, state, storage, context } = makeLoopFixture();
  let requeueSignals = 0;
  const heartbeat = new Heartbeat(context, storage, { ...CONFIG, ...config }, () => {
    requeueSignals++;
  });
  return { clock, memory, state, context, heartbeat, requeued: () => requeueSignals };
}

describe('Heartbeat', () => {
  it('uses the default heartbeatIntervalMs: a server beats every 5 seconds', async () => {
    const { clock, storage, server } = makeServer({ workerCount: 0, enableRecurring: false });
    await server.start();
    const beatAt = async () => (await storage.listServers()).find((s) => s.id === server.id)?.lastHeartbeatAt;
    const first = (await beatAt())!.getTime();
    await advanceUntil(clock, async () => (await beatAt())!.getTime() > first, 1000, 10);
    expect((await beatAt())!.getTime() - first).toBe(5000);
    await server.stop();
    expect(await storage.listServers()).toEqual([]);
  });

  it('registers on its first pass, then beats', async () => {
    const { clock, memory, heartbeat } = setup();
    expect((await heartbeat.runOnce()).beat).toBe('registered');
    const [row] = await memory.listServers();
    expect(row).toMatchObject({ id: 'me#1', name: 'me', queues: ['default'], workerCount: 4, pid: process.pid });
    clock.advance(1000);
    expect((await heartbeat.runOnce()).beat).toBe('beat');
    expect((await memory.listServers())[0]!.lastHeartbeatAt).toEqual(clock.now());
  });

  it('re-registers when a peer removed its row', async () => {
    const { memory, heartbeat } = setup();
    await heartbeat.runOnce();
    await memory.deregisterServer('me#1');
    expect((await heartbeat.runOnce()).beat).toBe('registered');
    expect((await memory.listServers()).map((s) => s.id)).toEqual(['me#1']);
  });

  it('reclaims a silent peer and reports serverDead after the write', async () => {
    const { clock, memory, context, heartbeat, requeued } = setup();
    await memory.registerServer({
      id: 'peer#1',
      name: 'peer',
      hostname: 'h',
      pid: 1,
      queues: [],
      workerCount: 1,
      startedAt: clock.now(),
      lastHeartbeatAt: clock.now(),
    });
    await memory.enqueue({ jobs: [makeNewJob({}, clock.now())] });
    const [claimed] = await memory.fetchAndLock({ serverId: 'peer#1', queues: [], limit: 1, leaseMs: 600_000 });
    const dead: ServerDeadEvent[] = [];
    const moves: string[] = [];
    context.events.on('serverDead', (e) => {
      dead.push(e);
    });
    context.events.on('stateChange', (e) => {
      moves.push(`${e.from}->${e.to}`);
    });
    clock.advance(6000);
    const pass = await heartbeat.runOnce();
    expect(pass).toMatchObject({ deadServers: 1, reclaimedJobs: 1 });
    expect(dead).toEqual([
      { serverId: 'peer#1', jobs: [expect.objectContaining({ id: claimed!.id, state: 'enqueued' })] },
    ]);
    expect(moves).toEqual(['processing->enqueued']);
    expect((await memory.get(claimed!.id))?.attempt).toBe(1);
    expect(requeued()).toBe(1);
  });

  it('leaves expired leases to the lease sweep (lease-sweep.ts)', async () => {
    const { clock, memory, heartbeat, requeued } = setup();
    await memory.enqueue({ jobs: [makeNewJob({}, clock.now())] });
    await memory.fetchAndLock({ serverId: 'gone#1', queues: [], limit: 1, leaseMs: 100 });
    clock.advance(200);
    expect(await heartbeat.runOnce()).toMatchObject({ deadServers: 0, reclaimedJobs: 0 });
    expect((await memory.counts()).byState.processing).toBe(1);
    expect(requeued()).toBe(0);
  });

  it('does nothing when disabled', async () => {
    const { memory, heartbeat } = setup({ enabled: false });
    expect(await heartbeat.runOnce()).toEqual({ beat: 'disabled', deadServers: 0, reclaimedJobs: 0 });
    expect(await memory.listServers()).toEqual([]);
  });

  it('retries a failing beat at least once per interval, so a storage blip never outlasts deadServerTimeoutMs', async () => {
    const { heartbeat, clock, state, context } = setup({ intervalMs: 1000, deadServerTimeoutMs: 5000 });
    const t = { loop: heartbeat, clock, state, errors: context.errors, method: 'heartbeatServer' };
    await heartbeat.register();
    const times = await retryTimes(t, 12, 50);
    expect(times).toHaveLength(13);
    const gaps = times.slice(1).map((at, i) => at - (times[i] ?? 0));
    // The loop backoff alone would reach 30 s; a beat is never more than the interval (± jitter) after the last try.
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1000 * 1.25 + 50);
  });

  describeLoopLifecycle(() => {
    const { heartbeat, clock, state, context } = setup();
    return { loop: heartbeat, clock, state, errors: context.errors, method: 'reclaimDeadServers' };
  });
});
