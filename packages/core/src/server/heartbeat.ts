// server/heartbeat.ts: keeps this server's row alive and cleans up after the dead. Each beat stamps the row (and
// re-registers if a peer wrongly reclaimed it), then reclaims peers silent past deadServerTimeoutMs (their jobs keep
// the spent attempt, so poison jobs still die). Jobs whose lease lapsed are the lease sweep's (lease-sweep.ts).
import { hostname } from 'node:os';
import type { ErrorSource } from '../events.js';
import type { Storage } from '../storage.js';
import { logSweptFailures } from './failure-log.js';
import { Loop, type LoopContext } from './loop.js';

/** The heartbeat's slice of the server config. */
export interface HeartbeatConfig {
  serverId: string;
  serverName: string;
  queues: readonly string[];
  workerCount: number;
  /** Register, beat and reclaim dead peers; when false a pass does nothing (the server does not start it). */
  enabled: boolean;
  intervalMs: number;
  deadServerTimeoutMs: number;
  /** Purge delay for reclaimed jobs that fail (no attempt left). */
  failedTtlMs: number;
}

/** What one pass did. */
export interface HeartbeatPass {
  /** 'beat' normally; 'registered' when the row had to be (re)written; 'disabled' when heartbeats are off. */
  beat: 'beat' | 'registered' | 'disabled';
  deadServers: number;
  reclaimedJobs: number;
}

/**
 * The liveness loop: `runOnce()` beats and reclaims dead peers. The reclaim stays here: whether a peer is dead is
 * read from the beats (deadServerTimeoutMs against the same interval), and a server that does not beat must not judge
 * others by theirs.
 */
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
    if (reclaimed.jobs > 0) this.onJobsRequeued();
    return { beat, deadServers: reclaimed.servers, reclaimedJobs: reclaimed.jobs };
  }

  protected delayAfter(): number {
    return this.config.intervalMs;
  }

  /**
   * Backs off as every loop does, but never past one beat interval (nor a tenth of deadServerTimeoutMs): a server
   * whose storage blinked must beat again well before peers would declare it dead.
   */
  protected override delayAfterFailure(failures: number): number {
    return this.cappedBackoffMs(failures, Math.min(this.config.intervalMs, this.config.deadServerTimeoutMs / 10));
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
}
