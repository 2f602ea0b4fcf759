// servers.ts: the registry of live servers (id -> info with its last heartbeat). It only finds and removes the dead;
// handing their jobs back is MemoryStorage's job, done in the same synchronous step.
import type { ServerInfo } from '@jobsmith/core/storage';

/** Registered servers by id; rows are copied in and out, so callers never share them. */
export class ServerRegistry {
  private readonly servers = new Map<string, ServerInfo>();

  /** Inserts or replaces the server's row. */
  register(info: ServerInfo): void {
    this.servers.set(info.id, copyServer(info));
  }

  /** Stamps `lastHeartbeatAt`; false when the row is gone. */
  heartbeat(id: string, now: Date): boolean {
    const server = this.servers.get(id);
    if (server === undefined) return false;
    this.servers.set(id, { ...server, lastHeartbeatAt: new Date(now.getTime()) });
    return true;
  }

  deregister(id: string): void {
    this.servers.delete(id);
  }

  /** Copies of every server, ordered by id. */
  list(): ServerInfo[] {
    return [...this.servers.values()].sort((a, b) => compareIds(a.id, b.id)).map(copyServer);
  }

  /** Removes the servers whose last heartbeat is before `before` and returns their ids, ordered. */
  removeSilentSince(before: number): string[] {
    const dead: string[] = [];
    for (const server of this.servers.values()) {
      if (server.lastHeartbeatAt.getTime() < before) dead.push(server.id);
    }
    for (const id of dead) this.servers.delete(id);
    return dead.sort(compareIds);
  }
}

function copyServer(info: ServerInfo): ServerInfo {
  return {
    id: info.id,
    name: info.name,
    hostname: info.hostname,
    pid: info.pid,
    queues: [...info.queues],
    workerCount: info.workerCount,
    startedAt: new Date(info.startedAt.getTime()),
    lastHeartbeatAt: new Date(info.lastHeartbeatAt.getTime()),
  };
}

/** Plain code-unit order, the order every backend's `ORDER BY id` gives for ASCII ids. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
