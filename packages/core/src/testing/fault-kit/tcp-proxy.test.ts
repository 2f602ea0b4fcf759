// tcp-proxy.test.ts: FaultProxy in front of a loopback echo server. Real sockets; the waits for bytes that must NOT
// arrive are short fixed windows (nothing signals an absence), every other wait ends at the event it waits for.
import { once } from 'node:events';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../clock.js';
import { FaultProxy } from './tcp-proxy.js';

/** How long a stalled connection is watched for bytes that must not come through. */
const QUIET_MS = 200;

let echo: Server;
/** Connections the echo server holds open now (the proxy's side of each). */
let echoConnections = 0;
let proxy: FaultProxy;
const clients: Socket[] = [];

beforeEach(async () => {
  echoConnections = 0;
  echo = createServer((socket) => {
    echoConnections++;
    socket.on('close', () => echoConnections--);
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const address = echo.address();
  if (address === null || typeof address === 'string') throw new Error('echo server has no port');
  proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: address.port } });
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await proxy.close();
  await new Promise((resolve) => echo.close(resolve));
});

/** A client connected through the proxy, collecting what it receives. */
async function connectClient(): Promise<{ socket: Socket; received: () => string }> {
  const socket = tcpConnect(proxy.address);
  clients.push(socket);
  let data = '';
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString();
  });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return { socket, received: () => data };
}

/** Resolves when `socket` closes, however it ends (a reset included). */
function closeOf(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Everything `socket` receives until the other side ends it. */
function readUntilEnd(socket: Socket): Promise<string> {
  let data = '';
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString();
  });
  return once(socket, 'end').then(() => data);
}

/** Resolves once `check` holds (re-checked every 10 ms), or rejects after 5 s naming `what`. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 5_000) throw new Error(`timed out waiting for ${what}`);
    await systemClock.sleep(10);
  }
}

describe('FaultProxy', () => {
  it('forwards both ways and rewrites a URL to its own address', async () => {
    const { socket, received } = await connectClient();
    socket.write('hello');
    await until(() => received() === 'hello', 'the echo');
    expect(proxy.urlFor('redis://user@10.0.0.1:6379/2')).toBe(`redis://user@127.0.0.1:${proxy.port}/2`);
    expect(proxy.stats).toMatchObject({ accepted: 1, open: 1 });
  });

  it('holds every byte while stalled and delivers them in order on resume', async () => {
    const { socket, received } = await connectClient();
    proxy.stall();
    socket.write('one ');
    socket.write('two');
    await systemClock.sleep(QUIET_MS);
    expect(received()).toBe('');

    proxy.resume();
    await until(() => received() === 'one two', 'the held bytes');
    socket.write(' three');
    await until(() => received() === 'one two three', 'bytes after resume');
  });

  it('holds a connection opened during a stall until resume', async () => {
    proxy.stall();
    const { socket, received } = await connectClient();
    socket.write('late');
    await systemClock.sleep(QUIET_MS);
    expect(received()).toBe('');
    proxy.resume();
    await until(() => received() === 'late', 'the held connection to work');
  });

  it('delivers what a client sent before it ended during a stall, then ends the other side', async () => {
    const upstreamSaw = once(echo, 'connection').then(([peer]: Socket[]) => readUntilEnd(peer as Socket));
    const { socket } = await connectClient();
    proxy.stall();
    socket.end('last words');
    await once(socket, 'finish');
    await systemClock.sleep(QUIET_MS);
    proxy.resume();
    expect(await upstreamSaw).toBe('last words');
  });

  it('drops every open connection on both sides', async () => {
    const first = await connectClient();
    const second = await connectClient();
    const closed = Promise.all([closeOf(first.socket), closeOf(second.socket)]);
    expect(proxy.drop()).toBe(2);
    await closed;
    await until(() => echoConnections === 0, 'the target side to close too');
    expect(proxy.stats).toMatchObject({ dropped: 2, open: 0 });
  });

  it('refuses new connections until it accepts again, then forwards as before', async () => {
    proxy.refuse();
    const refused = tcpConnect(proxy.address);
    clients.push(refused);
    refused.on('error', () => undefined);
    await closeOf(refused);
    expect(proxy.stats.refused).toBe(1);

    proxy.accept();
    const { socket, received } = await connectClient();
    socket.write('back');
    await until(() => received() === 'back', 'the echo after accept');
  });

  it('accepts again by itself once a timed refusal ends', async () => {
    proxy.refuse(100);
    expect(proxy.isRefusing).toBe(true);
    await until(() => !proxy.isRefusing, 'the refusal to end');
    const { socket, received } = await connectClient();
    socket.write('again');
    await until(() => received() === 'again', 'the echo');
  });
});
