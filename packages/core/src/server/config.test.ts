import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.js';
import { silentLogger } from '../logger.js';
import { WorkerRegistry } from '../registry.js';
import { DEFAULT_RETRY_POLICY } from '../retry.js';
import { DEFAULT_SERVER_CONFIG, DEFAULT_TUNING, resolveServerConfig, type ServerConfig } from './config.js';
import { makeServer } from './test-support.js';

/** Each option's `@defaultValue` as written in config.ts's TSDoc. */
function documentedDefaults(): Map<string, string> {
  const source = readFileSync(new URL('./config.ts', import.meta.url), 'utf8');
  const found = new Map<string, string>();
  const pattern = /\/\*\*((?:(?!\*\/)[\s\S])*?)@defaultValue ([^\n*]+?)\s*\*\/\s*\n\s*(\w+)\?:/g;
  for (const match of source.matchAll(pattern)) found.set(match[3]!, match[2]!.trim());
  return found;
}

describe('DEFAULT_SERVER_CONFIG', () => {
  it('matches every documented @defaultValue', () => {
    const documented = documentedDefaults();
    expect([...documented.keys()].sort()).toEqual(Object.keys(DEFAULT_SERVER_CONFIG).sort());
    for (const [key, text] of documented) {
      const value = DEFAULT_SERVER_CONFIG[key as keyof typeof DEFAULT_SERVER_CONFIG];
      if (key === 'logger') expect(text).toMatch(/^consoleLogger\(\)/);
      else if (key === 'retryPolicy') {
        expect(value).toBe(DEFAULT_RETRY_POLICY);
        expect(text).toContain('exponential: 1 s, x2, capped at 15 min, ±25 % jitter');
      } else {
        const literal = text.split(' (')[0]!.replace(/'/g, '"');
        expect(value, key).toEqual(JSON.parse(literal));
      }
    }
  });

  // DESIGN.md's values, but fetchBatchSize: 100 rather than 10 (claims never exceed the free slots, so the cap only
  // binds on servers of more than 10 workers; issue 15, item 7).
  it('uses DESIGN.md values', () => {
    expect(DEFAULT_SERVER_CONFIG).toMatchObject({
      serverName: 'jobsmith',
      workerCount: 10,
      queues: ['default'],
      pollingIntervalMs: 1000,
      fetchBatchSize: 100,
      jobTimeoutMs: 300_000,
      shutdownTimeoutMs: 30_000,
      leaseMs: 30_000,
      succeededTtlMs: 86_400_000,
      failedTtlMs: 604_800_000,
      enableHeartbeat: true,
      heartbeatIntervalMs: 5000,
      deadServerTimeoutMs: 30_000,
    });
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DEFAULT_SERVER_CONFIG)).toBe(true);
    expect(Object.isFrozen(DEFAULT_SERVER_CONFIG.queues)).toBe(true);
  });
});

describe('resolveServerConfig', () => {
  it('fills in defaults and returns a frozen object', () => {
    const config = resolveServerConfig({ workerCount: 3, queues: [] });
    expect(config.workerCount).toBe(3);
    expect(config.queues).toEqual([]);
    expect(config.leaseMs).toBe(DEFAULT_SERVER_CONFIG.leaseMs);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats undefined options as unset', () => {
    expect(resolveServerConfig({ workerCount: undefined }).workerCount).toBe(10);
  });

  it('accepts workerCount 0 (a server that only runs the loops)', () => {
    expect(resolveServerConfig({ workerCount: 0 }).workerCount).toBe(0);
  });

  const bad: [string, ServerConfig, string][] = [
    ['an unknown key', { workers: 3 } as ServerConfig, 'workers'],
    ['a negative number', { pollingIntervalMs: -1 }, 'pollingIntervalMs'],
    ['NaN', { jobTimeoutMs: Number.NaN }, 'jobTimeoutMs'],
    ['a fraction', { fetchBatchSize: 1.5 }, 'fetchBatchSize'],
    ['a string for a number', { leaseMs: '30000' as unknown as number }, 'leaseMs'],
    ['a negative workerCount', { workerCount: -1 }, 'workerCount'],
    ['a zero fetchBatchSize', { fetchBatchSize: 0 }, 'fetchBatchSize'],
    ['a negative TTL', { succeededTtlMs: -5 }, 'succeededTtlMs'],
    ['a TTL near MAX_SAFE_INTEGER', { failedTtlMs: Number.MAX_SAFE_INTEGER - 1 }, 'failedTtlMs'],
    ['a TTL past 1,000 years', { succeededTtlMs: 31_557_600_000_001 }, 'succeededTtlMs'],
    ['a timer past int32', { heartbeatIntervalMs: 2 ** 31 }, 'heartbeatIntervalMs'],
    ['deadServerTimeoutMs equal to heartbeatIntervalMs', { deadServerTimeoutMs: 5000 }, 'deadServerTimeoutMs'],
    ['a non-boolean flag', { enableCleanup: 1 as unknown as boolean }, 'enableCleanup'],
    ['a bad queue name', { queues: ['ok', 'has space'] }, 'queues[1]'],
    ['a duplicate queue', { queues: ['a', 'a'] }, 'queues[1]'],
    ['queues not an array', { queues: 'default' as unknown as string[] }, 'queues'],
    ['a bad retry policy', { retryPolicy: { type: 'sometimes' } as never }, 'retryPolicy.type'],
    ['a bad retry delay', { retryPolicy: { type: 'fixed', delayMs: -1 } }, 'retryPolicy.delayMs'],
    ['a server name with #', { serverName: 'a#b' }, 'serverName'],
    ['a logger missing a method', { logger: { info() {} } as never }, 'logger.debug'],
  ];
  for (const [what, input, field] of bad) {
    it(`rejects ${what} with a ConfigError naming ${field}`, () => {
      let error: unknown;
      try {
        resolveServerConfig(input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).field).toBe(field);
      expect((error as ConfigError).message).toContain(field);
    });
  }
});

describe('resolved tuning', () => {
  it('holds the internal defaults, frozen, with the lease sweep at the heartbeat pace', () => {
    const { tuning } = resolveServerConfig({ heartbeatIntervalMs: 2000 });
    expect(tuning).toEqual({ ...DEFAULT_TUNING, leaseSweepIntervalMs: 2000 });
    expect(tuning).toMatchObject({
      sweepBatchSize: 1000,
      cleanupBatchPauseMs: 100,
      misfireToleranceMs: 1000,
      stopMarginMs: 5000,
      maxClaimsPerPass: 2,
      maxWriteBatch: 1000,
      minPendingOutcomes: 100,
      loopBackoff: { initialMs: 1000, maxMs: 30_000, jitter: 0.25 },
      dueBucketMs: 10,
    });
    expect(resolveServerConfig().tuning.leaseSweepIntervalMs).toBe(DEFAULT_SERVER_CONFIG.heartbeatIntervalMs);
    expect(Object.isFrozen(tuning)).toBe(true);
    expect(Object.isFrozen(tuning.loopBackoff)).toBe(true);
  });

  it('is not an option: a config naming it, or one of its knobs, is refused', () => {
    for (const key of ['tuning', 'sweepBatchSize', 'leaseSweepIntervalMs']) {
      expect(() => resolveServerConfig({ [key]: 1 } as ServerConfig)).toThrow(ConfigError);
    }
  });
});

describe('BackgroundJobServer config', () => {
  it('throws ConfigError at construction', () => {
    expect(() => makeServer({ deadServerTimeoutMs: 10, heartbeatIntervalMs: 10 })).toThrow(/deadServerTimeoutMs/);
    expect(() => makeServer({ pollingIntervalMs: -1 })).toThrow(ConfigError);
  });

  it('exposes the resolved config', () => {
    const { server } = makeServer({ workerCount: 2 });
    expect(server.config.workerCount).toBe(2);
    expect(server.config.logger).toBe(silentLogger);
    expect(server.registry).toBeInstanceOf(WorkerRegistry);
    expect(server.id).toMatch(/^jobsmith#[0-9a-f-]{36}$/);
  });
});
