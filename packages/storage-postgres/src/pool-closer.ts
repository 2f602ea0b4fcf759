// pool-closer.ts: ends the pool a storage opened without hanging on a store that does not answer. pool.end() waits
// for every connection checked out or still connecting, and a statement or connect nobody answers holds one until
// its timeout; so the calls still in flight get a grace period, then every socket of the pool is cut and they reject
// at once. It tracks the sockets itself (pg's `stream` option): the pool exposes no list of its connections.
import net from 'node:net';
import { systemClock } from '@jobsmith/core';
import type pg from 'pg';

export class PoolCloser {
  private readonly sockets = new Set<net.Socket>();

  /** pg's `stream` option for the pool's connections: a plain socket, as pg would make, tracked until it closes. */
  readonly stream = (): net.Socket => {
    const socket = new net.Socket();
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  };

  /**
   * Ends `pool`: idle connections at once, the others when their calls settle or, after `graceMs`, by cutting them
   * (the calls reject: the store is not answering, or the call outlived the close).
   */
  async end(pool: pg.Pool, graceMs: number): Promise<void> {
    const ended = pool.end();
    const settled = new AbortController();
    const isEnded = await Promise.race([
      ended.then(() => true),
      systemClock.sleep(graceMs, settled.signal).then(() => false),
    ]);
    settled.abort();
    if (!isEnded) for (const socket of this.sockets) socket.destroy();
    await ended;
  }
}
