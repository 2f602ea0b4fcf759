// push-message.ts: what a backend's push carries, and who hears it. Backends whose channel carries text (Postgres
// NOTIFY, Redis PUBLISH) send either a queue name (jobs may be available there) or a cancel: a prefix no queue name can
// hold, then the job's id. One format, written and read here, so every such backend speaks it alike.
import type { JobAvailableListener, JobCancelledListener } from '../storage.js';

/**
 * Starts a cancel's message. `!` is in no queue name (validation.ts allows A-Z a-z 0-9 _ . : -), so a message is never
 * both; a listener of an older version takes it for a queue nobody serves and ignores it.
 */
const CANCEL_PREFIX = '!cancelled:';

/** The listeners of one `subscribe` call (each call is its own entry, so subscribing twice needs two unsubscribes). */
export interface PushListeners {
  onJobAvailable: JobAvailableListener;
  onJobCancelled: JobCancelledListener | undefined;
}

/** The message announcing that the running job `jobId` was cancelled (at most 255 + 11 characters). */
export function cancelPushMessage(jobId: string): string {
  return CANCEL_PREFIX + jobId;
}

/** Hands `message` to the listener it is for: a cancel's job id, or a queue name. A listener's throw propagates. */
export function deliverPushMessage(message: string, listeners: PushListeners): void {
  if (message.startsWith(CANCEL_PREFIX)) listeners.onJobCancelled?.(message.slice(CANCEL_PREFIX.length));
  else listeners.onJobAvailable(message);
}
