// checks.ts: the few inputs RedisStorage must check itself because the scripts' encodings depend on them (the core
// validates everything else before it reaches storage). Each failure is a ValidationError naming the field.
import { ValidationError } from '@jobsmith/core';

/** The ready-ZSET rank (helpers.lua) encodes priority in 10 digits: it must be an int32. */
export function checkPriority(operation: string, field: string, priority: number): void {
  if (!Number.isInteger(priority) || priority < -2_147_483_648 || priority > 2_147_483_647) {
    throw new ValidationError(operation, field, 'must be a 32-bit integer', priority);
  }
}

/** A limit or offset: scripts index ZSETs by it, where a negative or fractional value would read the wrong range. */
export function checkCount(operation: string, field: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(operation, field, 'must be a non-negative integer', value);
  }
}
