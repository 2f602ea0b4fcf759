// free-port.ts: a loopback port nothing listens on, from a fixed range, for a store process a test starts and later
// restarts on the same port. The range keeps it out of the kernel's ephemeral ports, which an outgoing connection
// could take while the store is down.
import { createServer } from 'node:net';

/** The first port in `first`..`last` that nothing listens on (127.0.0.1); rejects when there is none. */
export async function freeLoopbackPort(first: number, last: number): Promise<number> {
  for (let port = first; port <= last; port++) {
    if (await canListen(port)) return port;
  }
  throw new Error(`no free loopback port in ${first}-${last}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}
