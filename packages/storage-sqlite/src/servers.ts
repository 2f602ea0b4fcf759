// servers.ts: the server registry (register, heartbeat, deregister, list) and the steps of reclaimDeadServers, which
// removes each silent server and hands back its processing jobs in one BEGIN IMMEDIATE per server.
import type { ReclaimedServer, ServerInfo } from '@jobsmith/core/storage';
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

/** The ids of the servers silent since `before` (epoch ms), for reclaimDeadServer one at a time. */
export function listDeadServers(statements: Statements, before: number): string[] {
  return statements.all<{ id: string }>('reclaim-dead-servers-candidates', { before }).map((row) => row.id);
}

/**
 * Removes one server silent since `before` and moves its processing jobs. Deleting the row is the compare-and-set: of
 * two peers racing, only the one whose delete matched moves the jobs (null for the other, or if it beat again). Call
 * inside BEGIN IMMEDIATE, one per server.
 */
export function reclaimDeadServer(
  statements: Statements,
  serverId: string,
  params: { before: number; now: number; failedExpiresAt: number | null },
): ReclaimedServer | null {
  const { before, now, failedExpiresAt } = params;
  if (statements.run('reclaim-dead-server', { id: serverId, before }) === 0) return null;
  const held = statements.all<{ id: string }>('reclaim-dead-server-jobs', { server_id: serverId });
  const reason = `server ${serverId} died while processing the job`;
  const jobs = held.flatMap(({ id }) => lapseJob(statements, id, { now, failedExpiresAt, reason }) ?? []);
  return { serverId, jobs };
}
