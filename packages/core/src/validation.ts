// validation.ts: the checks every public entry runs before anything reaches storage. Each throws a ValidationError
// naming the operation and the field, so nothing half-valid is ever written.
import { ValidationError } from './errors.js';

const QUEUE_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
// Printable, no whitespace: ids end up in URLs, log lines and Redis keys.
const ID_PATTERN = /^[\x21-\x7e]{1,255}$/;
export const MAX_NAME_LENGTH = 255;
export const INT32_MIN = -2_147_483_648;
export const INT32_MAX = 2_147_483_647;

export function checkName(operation: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH) {
    throw new ValidationError(operation, field, `must be a string of 1 to ${MAX_NAME_LENGTH} characters`, value);
  }
  return value;
}

export function checkQueue(operation: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || !QUEUE_PATTERN.test(value)) {
    throw new ValidationError(operation, field, 'must be 1 to 128 characters of A-Z a-z 0-9 _ . : -', value);
  }
  return value;
}

export function checkJobId(operation: string, field: string, value: unknown): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) {
    throw new ValidationError(operation, field, 'must be 1 to 255 printable characters without spaces', value);
  }
  return value;
}

/** An integer in [min, max]. */
export function checkInteger(operation: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ValidationError(operation, field, 'must be an integer', value);
  }
  if (value < min || value > max)
    throw new ValidationError(operation, field, `must be between ${min} and ${max}`, value);
  return value;
}

/** A finite number of milliseconds >= 0 (fractions are rounded up: a delay never runs early). */
export function checkDuration(operation: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(operation, field, 'must be a finite number of milliseconds >= 0', value);
  }
  return Math.ceil(value);
}

export function checkDate(operation: string, field: string, value: unknown): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError(operation, field, 'must be a valid Date', value);
  }
  return new Date(value.getTime());
}

export function checkMetadata(operation: string, field: string, value: unknown): Record<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError(operation, field, 'must be an object of string values', value);
  }
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      throw new ValidationError(operation, `${field}.${key}`, 'must be a string', entry);
    }
    out[key] = entry;
  }
  return out;
}

/** Rejects keys the caller misspelled instead of silently ignoring them. */
export function checkKnownKeys(operation: string, field: string, value: object, known: ReadonlySet<string>): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new ValidationError(operation, `${field}.${key}`, 'is not a known option');
  }
}

/** `field`, or the key inside it a replacer was called for; built only for an error (the replacer runs per value). */
function fieldAtKey(field: string, key: string): string {
  return key === '' ? field : `${field} (at key ${JSON.stringify(key)})`;
}

/**
 * JSON text of `value`, or a ValidationError when JSON would lose or refuse part of it: BigInt, functions, symbols,
 * NaN/Infinity, `undefined` at the top level or in an array, and cycles.
 */
export function serializeJson(operation: string, field: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, function (this: unknown, key: string, entry: unknown) {
      switch (typeof entry) {
        case 'bigint':
          throw new ValidationError(
            operation,
            fieldAtKey(field, key),
            'must be JSON-serializable: BigInt is not',
            entry,
          );
        case 'function':
        case 'symbol':
          throw new ValidationError(
            operation,
            fieldAtKey(field, key),
            `must be JSON-serializable: a ${typeof entry} is not`,
          );
        case 'number':
          if (!Number.isFinite(entry))
            throw new ValidationError(operation, fieldAtKey(field, key), 'must be a finite number', entry);
          break;
        case 'undefined':
          if (key === '' || Array.isArray(this))
            throw new ValidationError(operation, fieldAtKey(field, key), 'must not be undefined');
          break;
      }
      return entry;
    });
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(
      operation,
      field,
      `must be JSON-serializable: ${(error as Error).message.split('\n')[0]}`,
    );
  }
  if (text === undefined) throw new ValidationError(operation, field, 'must be JSON-serializable');
  return text;
}
