// ids.ts: job ids. UUIDv7 with RFC 9562's monotonic counter (method 1), so ids made in one process sort in the order
// they were made, even within one millisecond, and a job's id order is its enqueue order.
import { randomBytes } from 'node:crypto';

let lastMs = -1;
let counter = 0; // 12-bit rand_a used as a counter; seeded randomly each new millisecond (top bit clear for room)

/** A new time-ordered UUIDv7 string, strictly greater than the previous one from this process. */
export function uuidv7(nowMs: number = Date.now()): string {
  let ms = nowMs;
  if (ms <= lastMs) {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      // Counter spent within one millisecond: borrow the next millisecond rather than lose the order.
      ms = lastMs + 1;
      counter = randomBytes(2).readUInt16BE(0) & 0x7ff;
    }
  } else {
    counter = randomBytes(2).readUInt16BE(0) & 0x7ff;
  }
  lastMs = ms;
  const rand = randomBytes(8);
  const hex =
    ms.toString(16).padStart(12, '0') +
    (0x7000 | counter).toString(16) +
    ((rand[0]! & 0x3f) | 0x80).toString(16).padStart(2, '0') +
    rand.subarray(1).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** A random UUIDv4, for server ids and leases where order does not matter. */
export function randomId(): string {
  return globalThis.crypto.randomUUID();
}
