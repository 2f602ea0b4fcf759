// local-wake-ups.ts: push within one process, for backends whose writes all pass through this instance (memory, an
// SQLite file). Queues that got an `enqueued` job and running jobs that were cancelled are gathered and the listeners
// called once each in a microtask, never inside the write itself, and a throwing listener never reaches the writer.
import type { JobAvailableListener, JobCancelledListener } from '../storage.js';
import type { PushListeners } from './push-message.js';

/** The `subscribe` listeners and what they have yet to hear about. */
export class LocalWakeUps {
  private readonly subscribers = new Set<PushListeners>();
  /** Queues that got an `enqueued` job since the listeners were last called. */
  private readonly queues = new Set<string>();
  /** Ids of `processing` jobs cancelled since the listeners were last called. */
  private readonly cancelledIds = new Set<string>();

  /** Adds the listeners; returns their unsubscribe. */
  subscribe(onJobAvailable: JobAvailableListener, onJobCancelled?: JobCancelledListener): () => void {
    const entry: PushListeners = { onJobAvailable, onJobCancelled };
    this.subscribers.add(entry);
    return () => {
      this.subscribers.delete(entry);
    };
  }

  /** Notes that `queue` got a job; the listeners hear of it in a microtask. */
  wake(queue: string): void {
    if (this.subscribers.size === 0) return;
    this.schedule();
    this.queues.add(queue);
  }

  /** Notes that the running job `jobId` was cancelled; the listeners hear of it in a microtask. */
  cancelled(jobId: string): void {
    if (this.subscribers.size === 0) return;
    this.schedule();
    this.cancelledIds.add(jobId);
  }

  /** Drops every listener and pending call. */
  clear(): void {
    this.subscribers.clear();
    this.queues.clear();
    this.cancelledIds.clear();
  }

  private schedule(): void {
    if (this.queues.size === 0 && this.cancelledIds.size === 0) queueMicrotask(() => this.notify());
  }

  private notify(): void {
    const queues = [...this.queues];
    const ids = [...this.cancelledIds];
    this.queues.clear();
    this.cancelledIds.clear();
    for (const entry of [...this.subscribers]) {
      for (const id of ids) if (entry.onJobCancelled) this.call(entry, () => entry.onJobCancelled?.(id));
      for (const queue of queues) this.call(entry, () => entry.onJobAvailable(queue));
    }
  }

  private call(entry: PushListeners, listener: () => void): void {
    if (!this.subscribers.has(entry)) return; // unsubscribed meanwhile
    try {
      listener();
    } catch {
      // A listener's failure is its own: storage has nowhere to report it and must not let it reach a writer.
    }
  }
}
