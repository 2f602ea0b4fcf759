// start-fails-fast.test.ts: a server pointed at a Redis it cannot use rejects start() at once with a StorageError
// that names the endpoint and says what to fix (nothing listening, a wrong password), and stays stopped.
import { StorageError } from '@jobsmith/core';
import { freeLoopbackPort, startServerOn } from '@jobsmith/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStorage } from '../src/index.js';
import { testPrefix } from './harness.js';
import { PrivateRedis } from './private-redis.js';

/** Starts a server on a storage for `url`; see startServerOn. */
function startFailure(url: string) {
  return startServerOn(new RedisStorage({ url, prefix: testPrefix(), syncClock: false }));
}

describe('start() against a Redis it cannot use', () => {
  let guarded: PrivateRedis;

  beforeAll(async () => {
    guarded = await PrivateRedis.start({ args: ['--requirepass', 'right-password'] });
  });

  afterAll(async () => {
    await guarded?.stop();
  });

  it('names the endpoint and says to check the server when nothing listens there', async () => {
    const port = await freeLoopbackPort(16_900, 16_999);
    const { error, tookMs, running } = await startFailure(`redis://127.0.0.1:${port}`);
    expect(running).toBe(false);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain(`cannot reach Redis at 127.0.0.1:${port}: connect ECONNREFUSED`);
    expect((error as Error).message).toContain(
      `Fix: check that Redis is running and accepts connections at 127.0.0.1:${port}`,
    );
    expect(tookMs).toBeLessThan(5_000);
  });

  it('says to check the password when Redis refuses it', async () => {
    const { error, running } = await startFailure(`redis://:wrong-password@127.0.0.1:${guarded.port}`);
    expect(running).toBe(false);
    expect(error).toBeInstanceOf(StorageError);
    const message = (error as Error).message;
    expect(message).toContain(`cannot reach Redis at 127.0.0.1:${guarded.port}`);
    expect(message).toContain('Fix: check the user and password in the Redis URL');
    expect(message).not.toContain('wrong-password');
  });
});
