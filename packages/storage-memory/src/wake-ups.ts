// wake-ups.ts: MemoryStorage's push. Queues that got an `enqueued` job are gathered and the listeners called once per
// queue in a microtask, never inside the write itself, and a throwing listener never reaches the writer.
import type { JobAvailableListener } from '@jobsmith/core';

/** The `subscribe` listeners and the queues they have yet to hear about. */
export class WakeUps {
  private readonly listeners = new Set<JobAvailableListener>();
  /** Queues that got an `enqueued` job since the listeners were last called. */
  private readonly pending = new Set<string>();

  /** Adds a listener; returns its unsubscribe. */
  subscribe(listener: JobAvailableListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Notes that `queue` got a job; the listeners hear of it in a microtask. */
  wake(queue: string): void {
    if (this.listeners.size === 0) return;
    if (this.pending.size === 0) queueMicrotask(() => this.notify());
    this.pending.add(queue);
  }

  /** Drops every listener and pending wake-up. */
  clear(): void {
    this.listeners.clear();
    this.pending.clear();
  }

  private notify(): void {
    const queues = [...this.pending];
    this.pending.clear();
    for (const listener of [...this.listeners]) {
      for (const queue of queues) {
        if (!this.listeners.has(listener)) break; // unsubscribed meanwhile
        try {
          listener(queue);
        } catch {
          // A listener's failure is its own: storage has nowhere to report it and must not let it reach a writer.
        }
      }
    }
  }
}
