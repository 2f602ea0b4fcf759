// outage.ts: "the store stops answering for a while", in whichever form the backend allows: a network store's proxy
// stalls every connection (bytes held, sockets open, no error anyone can see); an embedded store's write lock is held
// by another connection. Either way a call waits until its own bound, then fails, and the children must ride it out.
import type { Storage } from '../../storage.js';
import type { FaultContext } from './context.js';
import type { FaultHarness } from './harness.js';
import { FAULT_LEASE_MS } from './workload.js';

/** What an outage lasts beyond the longest a store call waits, in ms, so calls really fail during it. */
const BEYOND_CALL_BOUND_MS = 2_000;
/** An outage where calls have no bound of their own, in ms. */
const UNBOUNDED_OUTAGE_MS = 3_000;

/** One way the store can stop answering, switched on and off by the scenario. */
export interface StoreOutage {
  /** For titles and figures, e.g. 'the proxy stalls every connection'. */
  what: string;
  /** How long the scenario keeps it up (when it keeps it for a set time), in ms. */
  durationMs: number;
  begin(): Promise<void>;
  end(): Promise<void>;
}

/** Whether the harness offers an outage (a proxy for a network store, or a second connection's write lock). */
export function hasOutage(harness: FaultHarness): boolean {
  return harness.network !== undefined || harness.writeLock !== undefined;
}

/** A description of the outage `storeOutage` gives for this harness, usable before any store exists (titles). */
export function outageTitle(harness: FaultHarness): string {
  const ms = outageMs(harness);
  if (harness.network) return `every connection stalled for ${ms / 1000} s`;
  return `the write lock held by another connection for ${ms / 1000} s`;
}

/** The outage for the current test: the proxy's stall, else the harness's write lock. */
export function storeOutage<S extends Storage>(ctx: FaultContext<S>): StoreOutage {
  const durationMs = outageMs(ctx.harness);
  const proxy = ctx.proxy;
  if (proxy !== null) {
    return {
      what: 'the proxy stalls every connection',
      durationMs,
      begin: async () => proxy.stall(),
      end: async () => proxy.resume(),
    };
  }
  const writeLock = ctx.harness.writeLock;
  if (writeLock === undefined) throw new Error(`${ctx.harness.name} offers no outage (no network, no write lock)`);
  let release: (() => Promise<void>) | null = null;
  return {
    what: 'another connection holds the write lock',
    durationMs,
    begin: async () => {
      release = await writeLock.hold(ctx.store);
    },
    end: async () => {
      const held = release;
      release = null;
      await held?.();
    },
  };
}

/**
 * How long an outage lasts: past the longest a store call waits (the harness's call timeout or lock wait), so the
 * children see calls fail, not only wait.
 */
export function outageMs(harness: FaultHarness): number {
  const bound = harness.network ? harness.network.callTimeoutMs : harness.writeLock?.waitMs;
  return bound === undefined ? UNBOUNDED_OUTAGE_MS : bound + BEYOND_CALL_BOUND_MS;
}

/** A lease that outlasts the outage twice over (and never shorter than the suite's usual lease), in ms. */
export function leaseOutlasting(harness: FaultHarness): number {
  return Math.max(FAULT_LEASE_MS, 2 * outageMs(harness));
}
