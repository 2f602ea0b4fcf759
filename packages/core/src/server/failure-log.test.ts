import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLogger, type Logger, silentLogger } from '../logger.js';
import type { ServerConfig } from './config.js';
import { advanceUntil, makeServer } from './test-support.js';

/** Runs one job of `method` with `maxAttempts` on a server with `logger`, until it is failed. */
async function failJob(logger: Logger, options: { register: boolean; maxAttempts: number }) {
  const config: ServerConfig = { logger, retryPolicy: { type: 'fixed', delayMs: 1000 } };
  const { server, registry, storage, clock } = makeServer(config);
  if (options.register) {
    registry.register('sendEmail', async () => {
      throw new Error('SMTP refused the connection');
    });
  } else {
    registry.register('otherMethod', async () => undefined);
  }
  await server.start();
  const id = await server.client.enqueue('sendEmail', { to: 'a@example.com' }, { maxAttempts: options.maxAttempts });
  await advanceUntil(clock, async () => (await storage.get(id))?.state === 'failed', 250);
  await server.stop();
  return { id, serverId: server.id };
}

/** The console lines the default logger printed at `level`, as one string each. */
function printed(spy: { mock: { calls: unknown[][] } }): string[] {
  return spy.mock.calls.map((call) => call.map(String).join(' '));
}

describe('failure logging', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('with the default logger, warns on a failed attempt and logs an error when the job fails for good', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { id } = await failJob(consoleLogger(), { register: true, maxAttempts: 2 });

    const warnings = printed(warn).filter((line) => line.includes(id));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('[jobsmith] warn:');
    expect(warnings[0]).toContain(`job ${id} (sendEmail) attempt 1 of 2 failed: SMTP refused the connection`);
    expect(warnings[0]).toContain('retrying at');
    const errors = printed(error).filter((line) => line.includes(id));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('[jobsmith] error:');
    expect(errors[0]).toContain(`job ${id} (sendEmail) failed for good after attempt 2 of 2`);
    expect(errors[0]).toContain('SMTP refused the connection');
  });

  it('names the method and the server when no handler is registered for a job', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { id, serverId } = await failJob(consoleLogger(), { register: false, maxAttempts: 1 });

    const lines = printed(error).filter((line) => line.includes(id));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`no handler registered for method sendEmail on server ${serverId}`);
    expect(lines[0]).toContain('its methods: otherMethod');
  });

  it('is quiet with silentLogger', async () => {
    const spies = (['debug', 'info', 'warn', 'error', 'log'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation(() => undefined),
    );
    await failJob(silentLogger, { register: true, maxAttempts: 2 });
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('logs structured fields through a pino logger', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const { id, serverId } = await failJob(pino(sink), { register: true, maxAttempts: 2 });

    const mine = lines.filter((line) => line.jobId === id);
    expect(mine).toEqual([
      expect.objectContaining({
        level: 40,
        jobId: id,
        method: 'sendEmail',
        queue: 'default',
        attempt: 1,
        maxAttempts: 2,
        serverId,
        error: 'SMTP refused the connection',
        errorName: 'Error',
        retryAt: expect.any(String),
      }),
      expect.objectContaining({ level: 50, jobId: id, attempt: 2, error: 'SMTP refused the connection' }),
    ]);
  });
});
