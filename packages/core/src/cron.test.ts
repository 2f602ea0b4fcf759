import { describe, expect, it } from 'vitest';
import { checkCron, checkTimezone, nextCronTick } from './cron.js';
import { ValidationError } from './errors.js';

describe('checkCron', () => {
  it('accepts 5- and 6-field expressions and aliases', () => {
    expect(checkCron('t', 'cron', '*/5 * * * *')).toBe('*/5 * * * *');
    expect(checkCron('t', 'cron', ' 0 30 2 * * * ')).toBe('0 30 2 * * *');
    expect(checkCron('t', 'cron', '@daily')).toBe('@daily');
  });

  for (const bad of ['* * * *', '* * * * * * *', '61 * * * *', 'a b c d e', '0 0 30 2 *', '', 42]) {
    it(`rejects ${JSON.stringify(bad)} with a ValidationError naming cron`, () => {
      expect(() => checkCron('scheduleRecurring', 'cron', bad)).toThrow(ValidationError);
      expect(() => checkCron('scheduleRecurring', 'cron', bad)).toThrow(/scheduleRecurring: cron/);
    });
  }
});

describe('checkTimezone', () => {
  it('accepts IANA zones', () => {
    expect(checkTimezone('t', 'tz', 'Europe/Paris')).toBe('Europe/Paris');
    expect(checkTimezone('t', 'tz', 'UTC')).toBe('UTC');
  });

  it('rejects unknown zones naming the field', () => {
    expect(() => checkTimezone('t', 'options.timezone', 'Mars/Olympus')).toThrow(/options.timezone is not a known/);
    expect(() => checkTimezone('t', 'options.timezone', '')).toThrow(ValidationError);
  });
});

describe('nextCronTick', () => {
  it('returns the first tick strictly after the given instant', () => {
    const at = new Date('2030-01-01T00:05:00.000Z');
    expect(nextCronTick('*/5 * * * *', 'UTC', at).toISOString()).toBe('2030-01-01T00:10:00.000Z');
    expect(nextCronTick('* * * * * *', 'UTC', new Date('2030-01-01T00:00:00.400Z')).toISOString()).toBe(
      '2030-01-01T00:00:01.000Z',
    );
  });

  it('reads the expression in the timezone', () => {
    const tick = nextCronTick('0 0 9 * * *', 'Asia/Tokyo', new Date('2030-06-01T12:00:00Z'));
    expect(tick.toISOString()).toBe('2030-06-02T00:00:00.000Z');
  });

  it('fires a time skipped by spring-forward once, just after the gap', () => {
    // Europe/Paris, 2030-03-31: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist that day.
    const ticks = [new Date('2030-03-30T12:00:00Z')];
    for (let i = 0; i < 3; i++) ticks.push(nextCronTick('0 30 2 * * *', 'Europe/Paris', ticks.at(-1)!));
    expect(ticks.slice(1).map((d) => d.toISOString())).toEqual([
      '2030-03-31T01:30:00.000Z',
      '2030-04-01T00:30:00.000Z',
      '2030-04-02T00:30:00.000Z',
    ]);
  });

  it('fires a time repeated by fall-back once', () => {
    const first = nextCronTick('0 30 2 * * *', 'Europe/Paris', new Date('2030-10-26T12:00:00Z'));
    const second = nextCronTick('0 30 2 * * *', 'Europe/Paris', first);
    expect(first.toISOString()).toBe('2030-10-27T00:30:00.000Z');
    expect(second.toISOString()).toBe('2030-10-28T01:30:00.000Z');
  });
});
