import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import type { Logger } from './logger.js';
import { composeMiddleware, loggingMiddleware, type Middleware } from './middleware.js';
import type { JobContext } from './registry.js';

const ctx = { job: { id: 'j1', method: 'm' }, attempt: 1 } as JobContext;

function recorder(name: string, trail: string[]): Middleware {
  return async (_ctx, next) => {
    trail.push(`${name}>`);
    const result = await next();
    trail.push(`<${name}`);
    return result;
  };
}

describe('composeMiddleware', () => {
  it('runs the first registered outermost: A>B>C>handler>C>B>A', async () => {
    const trail: string[] = [];
    const chain = composeMiddleware([recorder('A', trail), recorder('B', trail), recorder('C', trail)]);
    const result = await chain(ctx, async () => {
      trail.push('handler');
      return 42;
    });
    expect(result).toBe(42);
    expect(trail).toEqual(['A>', 'B>', 'C>', 'handler', '<C', '<B', '<A']);
  });

  it('lets a middleware short-circuit: the handler never runs', async () => {
    let ran = false;
    const chain = composeMiddleware([async () => 'cached']);
    expect(
      await chain(ctx, async () => {
        ran = true;
      }),
    ).toBe('cached');
    expect(ran).toBe(false);
  });

  it('lets a middleware transform the result', async () => {
    const chain = composeMiddleware([async (_ctx, next) => ({ wrapped: await next() })]);
    expect(await chain(ctx, async () => 1)).toEqual({ wrapped: 1 });
  });

  it('turns a synchronous throw into a rejection', async () => {
    const chain = composeMiddleware([
      () => {
        throw new Error('sync');
      },
    ]);
    await expect(chain(ctx, async () => 1)).rejects.toThrow('sync');
  });

  it('rejects a second call of next()', async () => {
    const chain = composeMiddleware([
      async (_ctx, next) => {
        await next();
        return next();
      },
    ]);
    await expect(chain(ctx, async () => 1)).rejects.toThrow(/called next\(\) more than once/);
  });

  it('runs the handler alone when there is no middleware', async () => {
    expect(await composeMiddleware([])(ctx, async () => 'plain')).toBe('plain');
  });
});

describe('loggingMiddleware', () => {
  function capture(): { logger: Logger; lines: [string, string, Record<string, unknown>][] } {
    const lines: [string, string, Record<string, unknown>][] = [];
    const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
      lines.push([level, message, fields]);
    return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
  }

  it('logs the start and the end with the duration from the clock', async () => {
    const { logger, lines } = capture();
    const clock = new ManualClock();
    const chain = composeMiddleware([loggingMiddleware({ logger, clock })]);
    const result = await chain(ctx, async () => {
      clock.advance(25);
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(lines.map(([level, message]) => `${level}:${message}`)).toEqual(['debug:job started', 'info:job finished']);
    expect(lines[1]![2]).toMatchObject({ jobId: 'j1', method: 'm', attempt: 1, durationMs: 25 });
  });

  it('logs a throw at warn and rethrows it', async () => {
    const { logger, lines } = capture();
    const chain = composeMiddleware([loggingMiddleware({ logger, clock: new ManualClock() })]);
    await expect(
      chain(ctx, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(lines.at(-1)?.[0]).toBe('warn');
  });

  it('defaults to the job logger', async () => {
    const { logger, lines } = capture();
    const chain = composeMiddleware([loggingMiddleware()]);
    await chain({ ...ctx, log: logger }, async () => 1);
    expect(lines).toHaveLength(2);
  });
});
