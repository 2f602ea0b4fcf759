// ids.ts: job ids. UUIDv7 with RFC 9562's monotonic counter (method 1), so ids made in one process sort in the order
// they were made, even within one millisecond, and a job's id order is its enqueue order.
import { randomFillSync } from 'node:crypto';

// Random bytes are drawn in blocks: one crypto call per id cost more than the rest of building a job.
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

let lastMs = -1;
let counter = 0; // 12-bit rand_a used as a counter; seeded randomly each new millisecond (top bit clear for room)

function takeRandom(bytes: number): number {
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += bytes;
  return at;
}

/** A new time-ordered UUIDv7 string, strictly greater than the previous one from this process. */
export function uuidv7(nowMs: number = Date.now()): string {
  let ms = nowMs;
  const at = takeRandom(10);
  if (ms <= lastMs) {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      // Counter spent within one millisecond: borrow the next millisecond rather than lose the order.
      ms = lastMs + 1;
      counter = pool.readUInt16BE(at) & 0x7ff;
    }
  } else {
    counter = pool.readUInt16BE(at) & 0x7ff;
  }
  lastMs = ms;
  const time = ms.toString(16).padStart(12, '0');
  const rand = at + 2;
  return (
    `${time.slice(0, 8)}-${time.slice(8, 12)}-${(0x7000 | counter).toString(16)}-` +
    `${HEX[(pool[rand]! & 0x3f) | 0x80]}${HEX[pool[rand + 1]!]}-` +
    `${HEX[pool[rand + 2]!]}${HEX[pool[rand + 3]!]}${HEX[pool[rand + 4]!]}${HEX[pool[rand + 5]!]}` +
    `${HEX[pool[rand + 6]!]}${HEX[pool[rand + 7]!]}`
  );
}

/** A random UUIDv4, for server ids and leases where order does not matter. */
export function randomId(): string {
  return globalThis.crypto.randomUUID();
}
