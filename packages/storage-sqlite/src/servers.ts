// servers.ts: the server registry (register, heartbeat, deregister, list) and reclaimDeadServers, which removes a
// silent server and hands back its processing jobs in one BEGIN IMMEDIATE per server.
import type { ReclaimedServer, ServerInfo } from '@jobsmith/core';
import { type ServerRow, serverFromRow, serverParams } from './rows.js';
import type { Statements } from './statements.js';
import { lapseJob } from './sweeps.js';

export function registerServer(statements: Statements, info: ServerInfo): void {
  statements.run('register-server', serverParams(info));
}

/** False when the row is gone: a peer reclaimed this server. */
export function heartbeatServer(statements: Statements, id: string, now: number): boolean {
  return statements.run('heartbeat-server', { id, now }) === 1;
}

export function deregisterServer(statements: Statements, id: string): void {
  statements.run('deregister-server', { id });
}

export function listServers(statements: Statements): ServerInfo[] {
  return statements.all<ServerRow>('list-servers').map(serverFromRow);
}

/**
 * Removes each server silent since `before` and moves its processing jobs, one transaction per server. Deleting the
 * row is the compare-and-set: of two peers racing, only the one whose delete matched moves the jobs. Call outside
 * any transaction (it opens its own).
 */
export function reclaimDeadServers(
  statements: Statements,
  params: { before: number; now: number; failedExpiresAt: number | null },
): ReclaimedServer[] {
  const { before, now, failedExpiresAt } = params;
  const reclaimed: ReclaimedServer[] = [];
  for (const { id: serverId } of statements.all<{ id: string }>('reclaim-dead-servers-candidates', { before })) {
    const server = statements.immediate(() => {
      if (statements.run('reclaim-dead-server', { id: serverId, before }) === 0) return null;
      const held = statements.all<{ id: string }>('reclaim-dead-server-jobs', { server_id: serverId });
      const reason = `server ${serverId} died while processing the job`;
      const jobs = held.flatMap(({ id }) => lapseJob(statements, id, { now, failedExpiresAt, reason }) ?? []);
      return { serverId, jobs };
    });
    if (server) reclaimed.push(server);
  }
  return reclaimed;
}
