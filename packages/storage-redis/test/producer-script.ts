// producer-script.ts: a producer as an app writes one, run as its own process by producer-exit.test.ts: a
// RedisStorage and a JobClient, one enqueue, its id printed, and the end of the script without close().
import { JobClient } from '@jobsmith/core';
import { RedisStorage } from '../src/index.js';

const storage = new RedisStorage({ url: process.env.REDIS_URL, prefix: process.env.JOBSMITH_PREFIX });
const id = await new JobClient(storage).enqueue('send_email', { to: 'a@b.c' });
process.stdout.write(`${id}\n`);
