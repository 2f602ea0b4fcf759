// server/heartbeat.ts: keeps this server's row alive and cleans up after the dead. Each beat stamps the row (and
// re-registers if a peer wrongly reclaimed it), reclaims peers silent past deadServerTimeoutMs (their jobs keep the
// spent attempt, so poison jobs still die), and requeues jobs whose lease lapsed.
import { hostname } from 'node:os';
import type { ErrorSource } from '../events.js';
import type { Storage } from '../storage.js';
import { logSweptFailures } from './failure-log.js';
import { cappedBackoffMs, Loop, type LoopContext } from './loop.js';

/** The heartbeat's slice of the server config. */
export interface HeartbeatConfig {
  serverId: string;
  serverName: string;
  queues: readonly string[];
  workerCount: number;
  /** Register, beat and reclaim dead peers; when false only the expired-lease sweep runs. */
  enabled: boolean;
  intervalMs: number;
  deadServerTimeoutMs: number;
  /** Purge delay for jobs a sweep fails (no attempt left). */
  failedTtlMs: number;
  /** Most jobs per `requeueExpiredLeases` call; a full batch is followed by another. */
  sweepBatchSize: number;
}

/** What one pass did. */
export interface HeartbeatPass {
  /** 'beat' normally; 'registered' when the row had to be (re)written; 'disabled' when heartbeats are off. */
  beat: 'beat' | 'registered' | 'disabled';
  deadServers: number;
  reclaimedJobs: number;
  requeuedJobs: number;
}

/** The liveness loop: `runOnce()` beats, reclaims dead peers and requeues lapsed leases. */
export class Heartbeat extends Loop<HeartbeatPass> {
  protected readonly source: ErrorSource = 'heartbeat';
  private readonly storage: Storage;
  private readonly config: HeartbeatConfig;
  private readonly onJobsRequeued: () => void;
  private registered = false;
  private startedAt: Date | null = null;

  constructor(context: LoopContext, storage: Storage, config: HeartbeatConfig, onJobsRequeued: () => void) {
    super(context);
    this.storage = storage;
    this.config = config;
    this.onJobsRequeued = onJobsRequeued;
  }

  /** Writes this server's row (no-op when heartbeats are disabled). */
  async register(): Promise<void> {
    if (!this.config.enabled) return;
    const now = this.clock.now();
    this.startedAt ??= now;
    const { serverId, serverName, queues, workerCount } = this.config;
    await this.storage.registerServer({
      id: serverId,
      name: serverName,
      hostname: hostname(),
      pid: process.pid,
      queues: [...queues],
      workerCount,
      startedAt: this.startedAt,
      lastHeartbeatAt: now,
    });
    this.registered = true;
  }

  /** Removes this server's row; the next `register()` starts a fresh incarnation. */
  async deregister(): Promise<void> {
    if (!this.config.enabled) return;
    this.registered = false;
    this.startedAt = null;
    await this.storage.deregisterServer(this.config.serverId);
  }

  async runOnce(): Promise<HeartbeatPass> {
    const beat = await this.beat();
    const reclaimed = this.config.enabled ? await this.reclaimDeadServers() : { servers: 0, jobs: 0 };
    const requeuedJobs = await this.requeueExpiredLeases();
    if (reclaimed.jobs + requeuedJobs > 0) this.onJobsRequeued();
    return { beat, deadServers: reclaimed.servers, reclaimedJobs: reclaimed.jobs, requeuedJobs };
  }

  protected delayAfter(): number {
    return this.config.intervalMs;
  }

  /**
   * Backs off as every loop does, but never past one beat interval (nor a tenth of deadServerTimeoutMs): a server
   * whose storage blinked must beat again well before peers would declare it dead.
   */
  protected override delayAfterFailure(failures: number): number {
    return cappedBackoffMs(failures, Math.min(this.config.intervalMs, this.config.deadServerTimeoutMs / 10));
  }

  private async beat(): Promise<HeartbeatPass['beat']> {
    if (!this.config.enabled) return 'disabled';
    if (this.registered && (await this.storage.heartbeatServer(this.config.serverId))) return 'beat';
    if (this.registered) {
      this.logger.warn({ serverId: this.config.serverId }, 'server row was gone (reclaimed by a peer); re-registering');
    }
    await this.register();
    return 'registered';
  }

  private async reclaimDeadServers(): Promise<{ servers: number; jobs: number }> {
    const now = this.clock.now();
    const reclaimed = await this.storage.reclaimDeadServers({
      before: new Date(now.getTime() - this.config.deadServerTimeoutMs),
      failedExpiresAt: new Date(now.getTime() + this.config.failedTtlMs),
    });
    let jobs = 0;
    for (const server of reclaimed) {
      this.events.emit('serverDead', { serverId: server.serverId, jobs: server.jobs });
      for (const job of server.jobs) this.events.emitMove(job, 'processing', now);
      logSweptFailures(this.logger, server.jobs, `its server ${server.serverId} stopped heartbeating`);
      jobs += server.jobs.length;
    }
    return { servers: reclaimed.length, jobs };
  }

  private async requeueExpiredLeases(): Promise<number> {
    let total = 0;
    for (;;) {
      const now = this.clock.now();
      const moved = await this.storage.requeueExpiredLeases({
        now,
        limit: this.config.sweepBatchSize,
        failedExpiresAt: new Date(now.getTime() + this.config.failedTtlMs),
      });
      for (const { job, from } of moved) this.events.emitMove(job, from, now);
      logSweptFailures(
        this.logger,
        moved.map((move) => move.job),
        'its lease lapsed (its process died or stalled)',
      );
      total += moved.length;
      if (moved.length < this.config.sweepBatchSize) return total;
    }
  }
}
