// options.test.ts: RedisStorage's options are checked at construction (a ConfigError naming the field, never
// echoing a URL that may hold a password), and each option's documented @defaultValue is the default applied.
import { readFileSync } from 'node:fs';
import { ConfigError, ManualClock, systemClock } from '@jobsmith/core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REDIS_STORAGE_OPTIONS, resolveRedisOptions } from './options.js';
import { RedisStorage } from './storage.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe('options', () => {
  const bad: [string, Record<string, unknown>, string][] = [
    ['an empty prefix', { prefix: '' }, 'prefix'],
    ['a prefix with a brace', { prefix: 'a{b}' }, 'prefix'],
    ['a prefix with a space', { prefix: 'a b' }, 'prefix'],
    ['a 65-character prefix', { prefix: 'p'.repeat(65) }, 'prefix'],
    ['url and client together', { url: REDIS_URL, client: new Redis({ lazyConnect: true }) }, 'client'],
    ['a url that is not a URL', { url: 'not a url' }, 'url'],
    ['an http url', { url: 'http://127.0.0.1:6379' }, 'url'],
    ['a client that is not ioredis', { client: {} }, 'client'],
    ['a clock without now', { clock: {} }, 'clock'],
    ['an unknown option', { host: 'localhost' }, 'host'],
    ['an unknown evictionPolicy', { evictionPolicy: 'ignore' }, 'evictionPolicy'],
    ['an onError that is not a function', { onError: 'log' }, 'onError'],
    ['a syncClock that is not a boolean', { syncClock: 'yes' }, 'syncClock'],
    ['a commandTimeoutMs of 0', { commandTimeoutMs: 0 }, 'commandTimeoutMs'],
    ['a fractional commandTimeoutMs', { commandTimeoutMs: 1.5 }, 'commandTimeoutMs'],
    ['a commandTimeoutMs beyond a timer', { commandTimeoutMs: 2 ** 31 }, 'commandTimeoutMs'],
  ];
  for (const [what, options, field] of bad) {
    it(`rejects ${what} with a ConfigError naming ${field}`, () => {
      expect(() => new RedisStorage(options)).toThrow(ConfigError);
      expect(() => new RedisStorage(options)).toThrow(expect.objectContaining({ field }));
    });
  }

  it('accepts a 64-character prefix of every allowed character kind', () => {
    const prefix = `aZ09_:.-${'x'.repeat(56)}`;
    expect(new RedisStorage({ prefix }).prefix).toBe(prefix);
  });

  it('never echoes a malformed URL, which may hold a password', () => {
    expect(() => new RedisStorage({ url: 'redis://u:s3cret@[bad' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
    );
  });
});

describe('defaults', () => {
  it('applies the documented defaults when nothing is given', () => {
    expect(resolveRedisOptions()).toEqual({
      url: REDIS_URL,
      client: null,
      prefix: 'jobsmith',
      clock: systemClock,
      syncClock: true,
      evictionPolicy: 'error',
      commandTimeoutMs: 10_000,
      onError: DEFAULT_REDIS_STORAGE_OPTIONS.onError,
    });
  });

  it('syncs the clock only when no clock is given, unless told', () => {
    const clock = new ManualClock();
    expect(resolveRedisOptions({ clock }).syncClock).toBe(false);
    expect(resolveRedisOptions({ clock, syncClock: true }).syncClock).toBe(true);
    expect(resolveRedisOptions({ syncClock: false }).syncClock).toBe(false);
  });

  it('documents each default as the @defaultValue of its option', () => {
    const source = readFileSync(new URL('./options.ts', import.meta.url), 'utf8');
    const documented = Object.fromEntries(
      [...source.matchAll(/@defaultValue (.+)\n[\s\S]*?\n\s+(\w+)\?:/g)].map((match) => [match[2], match[1]]),
    );
    expect(documented).toEqual({
      url: `'${DEFAULT_REDIS_STORAGE_OPTIONS.url}'`,
      prefix: `'${DEFAULT_REDIS_STORAGE_OPTIONS.prefix}'`,
      clock: DEFAULT_REDIS_STORAGE_OPTIONS.clock === systemClock ? 'systemClock' : 'unknown',
      syncClock: 'true when no `clock` is given, false when one is',
      evictionPolicy: `'${DEFAULT_REDIS_STORAGE_OPTIONS.evictionPolicy}'`,
      commandTimeoutMs: String(DEFAULT_REDIS_STORAGE_OPTIONS.commandTimeoutMs),
      // The default hands each error to process.emitWarning (options.ts reportAsWarning).
      onError: 'process.emitWarning',
    });
  });
});
