// validation.ts: the checks every public entry runs before anything reaches storage. Each throws a ValidationError
// naming the operation and the field, so nothing half-valid is ever written.
import { ValidationError } from './errors.js';

const QUEUE_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
// Printable, no whitespace: ids end up in URLs, log lines and Redis keys.
const ID_PATTERN = /^[\x21-\x7e]{1,255}$/;
export const MAX_NAME_LENGTH = 255;
export const INT32_MIN = -2_147_483_648;
export const INT32_MAX = 2_147_483_647;

/**
 * The latest instant jobsmith writes, 9999-12-31T23:59:59.999Z: every `runAt`, `expiresAt` and `nextRunAt` a public
 * input leads to stays at or before it. Every store holds it with room to spare (JS Dates reach +8.64e15 ms,
 * PostgreSQL timestamptz year 294276, SQLite and Redis store epoch milliseconds), and it prints as plain ISO 8601.
 */
export const MAX_INSTANT_MS = 253_402_300_799_999;
/** The earliest instant a caller may name (`runAt`): the Unix epoch. */
export const MIN_INSTANT_MS = 0;
/**
 * The longest duration a setting names (TTLs, retry policy delays, WorkerResult.retry): 1,000 years of 365.25 days.
 * From any instant before the year 8999 it ends before MAX_INSTANT_MS, so a checked setting cannot overflow at use.
 */
export const MAX_DURATION_MS = 31_557_600_000_000;
/** MAX_INSTANT_MS as messages print it. */
export const MAX_INSTANT_ISO = new Date(MAX_INSTANT_MS).toISOString();
const INSTANT_RANGE = `${new Date(MIN_INSTANT_MS).toISOString()} to ${MAX_INSTANT_ISO}`;

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

/** A finite number of milliseconds from 0 to `max` (fractions are rounded up: a delay never runs early). */
export function checkDuration(operation: string, field: string, value: unknown, max = MAX_DURATION_MS): number {
  if (!isMsUpTo(value, max)) {
    throw new ValidationError(operation, field, `must be a finite number of milliseconds from 0 to ${max}`, value);
  }
  return Math.ceil(value);
}

/**
 * The instant `value` ms after `now`: a duration from 0 up to what keeps that instant at or before MAX_INSTANT_MS.
 * A caller asking for "later than jobsmith can store" gets a ValidationError naming `field`, never an Invalid Date.
 */
export function checkDelay(operation: string, field: string, value: unknown, now: Date): Date {
  const latest = Math.max(0, MAX_INSTANT_MS - now.getTime());
  if (!isMsUpTo(value, latest)) {
    const problem = `must be a finite number of milliseconds from 0 to ${latest} (due by ${MAX_INSTANT_ISO})`;
    throw new ValidationError(operation, field, problem, value);
  }
  return new Date(now.getTime() + Math.ceil(value));
}

/** A finite number >= 0 that, rounded up, is at most `max`. */
function isMsUpTo(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && Math.ceil(value) <= max;
}

/** A valid Date from MIN_INSTANT_MS to MAX_INSTANT_MS, copied. */
export function checkDate(operation: string, field: string, value: unknown): Date {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (!(ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS)) {
    throw new ValidationError(operation, field, `must be a valid Date from ${INSTANT_RANGE}`, value);
  }
  return new Date(ms);
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
 * A plain object: its prototype is null or an `Object.prototype` (of this realm or another, e.g. a `vm` context's),
 * or a boxed primitive, which JSON unwraps.
 */
function isPlainObject(value: object): boolean {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null || Object.getPrototypeOf(prototype) === null) return true;
  return value instanceof Number || value instanceof String || value instanceof Boolean;
}

const NOT_JSON = 'must be JSON-serializable:';

/** Why `value` (an object JSON would flatten) is refused, and what to pass instead. */
function notPlainReason(value: object): string {
  if (value instanceof Map) {
    return `${NOT_JSON} a Map is not (JSON would store {}); convert it first, e.g. Object.fromEntries(map) or [...map]`;
  }
  if (value instanceof Set) return `${NOT_JSON} a Set is not (JSON would store {}); convert it first, e.g. [...set]`;
  const name = (value.constructor as { name?: unknown } | undefined)?.name;
  const kind = typeof name === 'string' && name !== '' ? name : 'object with a custom prototype';
  if (ArrayBuffer.isView(value)) return `${NOT_JSON} a ${kind} is not; convert it first, e.g. Array.from(value)`;
  return (
    `${NOT_JSON} a ${kind} without toJSON is not (JSON would keep only its own enumerable fields); ` +
    'convert it to a plain object or array first, or give its class a toJSON method'
  );
}

/**
 * JSON text of `value`, or a ValidationError when JSON would lose or refuse part of it: BigInt, functions, symbols,
 * NaN/Infinity, `undefined` at the top level or in an array, cycles, and objects that are neither plain objects nor
 * arrays and have no `toJSON` (a Map or Set, a typed array, a class instance: JSON would store `{}` or an index map).
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
        case 'object':
          // toJSON has already run (a Date is its ISO text, a Buffer { type, data } by now).
          if (entry !== null && !Array.isArray(entry) && !isPlainObject(entry)) {
            throw new ValidationError(operation, fieldAtKey(field, key), notPlainReason(entry));
          }
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
