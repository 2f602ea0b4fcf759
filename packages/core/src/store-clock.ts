// store-clock.ts: a Clock that reads the store's time. A backend shared by a fleet (Postgres, Redis) wraps its clock in
// one, so leases, heartbeats and cron firings compare instants from one clock however far the hosts' clocks drift.
// It measures the offset to the store (round-trip corrected) and adds it to a base clock; it never calls the store
// on `now()`, and sleeps are the base clock's, so an injected clock still drives tests.
import type { Clock } from './clock.js';

/** Samples per `sync()`; the one with the shortest round trip is kept (least error from an asymmetric path). */
const SAMPLES_PER_SYNC = 3;

/** Reads the store's current time (Postgres `clock_timestamp()`, Redis `TIME`). */
export type StoreTimeReader = () => Promise<Date>;

/** The base clock plus the measured offset to the store's clock. */
export class StoreClock implements Clock {
  private readonly base: Clock;
  private readonly readStoreTime: StoreTimeReader;
  private offset = 0;
  private synced = false;

  constructor(base: Clock, readStoreTime: StoreTimeReader) {
    this.base = base;
    this.readStoreTime = readStoreTime;
  }

  /** Milliseconds to add to the base clock to get the store's time (0 until the first `sync`). */
  get offsetMs(): number {
    return this.offset;
  }

  /** Whether a `sync` has succeeded yet. */
  get isSynced(): boolean {
    return this.synced;
  }

  now(): Date {
    return new Date(this.base.now().getTime() + this.offset);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.base.sleep(ms, signal);
  }

  /**
   * Measures the offset afresh: a few reads of the store's time, each placed at the midpoint of its round trip, the
   * shortest round trip winning. Rejects (keeping the old offset) when the store cannot be read.
   */
  async sync(): Promise<number> {
    let best: { roundTripMs: number; offsetMs: number } | null = null;
    for (let i = 0; i < SAMPLES_PER_SYNC; i++) {
      const sentAt = this.base.now().getTime();
      const storeAt = (await this.readStoreTime()).getTime();
      const receivedAt = this.base.now().getTime();
      const roundTripMs = receivedAt - sentAt;
      if (best === null || roundTripMs < best.roundTripMs) {
        best = { roundTripMs, offsetMs: Math.round(storeAt - (sentAt + receivedAt) / 2) };
      }
    }
    this.offset = best?.offsetMs ?? this.offset;
    this.synced = true;
    return this.offset;
  }
}

/** A clock `skewMs` off the base clock: a host whose clock is wrong, for tests of fleets with skewed hosts. */
export class SkewedClock implements Clock {
  readonly skewMs: number;
  private readonly base: Clock;

  constructor(skewMs: number, base: Clock) {
    this.skewMs = skewMs;
    this.base = base;
  }

  now(): Date {
    return new Date(this.base.now().getTime() + this.skewMs);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.base.sleep(ms, signal);
  }
}
