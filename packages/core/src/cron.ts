// cron.ts: reads cron expressions (5 fields, minute first, or 6, second first) in an IANA timezone through
// cron-parser, which handles DST: a local time skipped by spring-forward fires once just after the gap, and a time
// repeated by fall-back fires once. Validation happens here so a bad schedule fails when it is declared.
import { CronExpressionParser } from 'cron-parser';
import { ValidationError } from './errors.js';

const ALIAS_PATTERN = /^@(yearly|annually|monthly|weekly|daily|hourly|minutely|secondly|weekdays|weekends)$/;

/** The trimmed expression, or a ValidationError naming `field` when it is not a 5- or 6-field cron with a future tick. */
export function checkCron(operation: string, field: string, expression: unknown, timezone = 'UTC'): string {
  if (typeof expression !== 'string') throw new ValidationError(operation, field, 'must be a string', expression);
  const trimmed = expression.trim();
  const fieldCount = trimmed.split(/\s+/).length;
  if (!ALIAS_PATTERN.test(trimmed) && fieldCount !== 5 && fieldCount !== 6) {
    throw new ValidationError(operation, field, `must have 5 or 6 fields (has ${fieldCount})`, expression);
  }
  try {
    CronExpressionParser.parse(trimmed, { tz: timezone, currentDate: new Date(0) }).next();
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ValidationError(operation, field, `is not a valid cron expression: ${detail}`, expression);
  }
  return trimmed;
}

/** `timezone`, or a ValidationError naming `field` when `Intl` does not know the zone. */
export function checkTimezone(operation: string, field: string, timezone: unknown): string {
  if (typeof timezone !== 'string' || timezone.length === 0) {
    throw new ValidationError(operation, field, 'must be an IANA timezone name', timezone);
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw new ValidationError(operation, field, 'is not a known IANA timezone', timezone);
  }
  return timezone;
}

/** The first tick of `expression` (read in `timezone`) strictly after `after`. Expects validated input. */
export function nextCronTick(expression: string, timezone: string, after: Date): Date {
  return CronExpressionParser.parse(expression, { tz: timezone, currentDate: after }).next().toDate();
}
