// multi-process-worker.ts: one OS process of cluster/multi-process.test.ts: its own ioredis Cluster client
// (REDIS_CLUSTER_NODES, comma-separated host:port) and RedisStorage on the shared prefix (JOBSMITH_PREFIX), running
// core's claim loop; the client is the worker's own, so it quits it after the loop has closed the storage.
import { runClaimLoopChild } from '@jobsmith/core/testing';
import { Cluster } from 'ioredis';
import { RedisStorage } from '../../src/storage.js';

const nodes = (process.env.REDIS_CLUSTER_NODES ?? '').split(',').map((node) => {
  const [host, port] = node.split(':');
  return { host: host ?? '127.0.0.1', port: Number(port) };
});
const client = new Cluster(nodes);
const storage = new RedisStorage({ client, prefix: process.env.JOBSMITH_PREFIX });
try {
  await runClaimLoopChild(storage, { serverId: `process-${process.pid}` });
} finally {
  await client.quit();
}
