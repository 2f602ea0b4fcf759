// server/failure-log.ts: what the server says about failed work, so the default setup is never silent about it. A
// failed attempt that will be retried is a warning; a job that reached `failed` is an error. Each line carries the
// job's id, method, queue and attempt as fields (for pino and the like) and repeats the essentials in its message,
// which is all the default console logger's reader sees first.
import type { Job, JobError } from '../job.js';
import type { Logger } from '../logger.js';
import type { FinishOutcome } from '../storage.js';

/**
 * Logs a persisted outcome of a run when it is a failure (`awaiting_retry` or `failed`); success and a snooze
 * (`scheduled`: the handler chose to wait) are not logged.
 */
export function logFailedAttempt(logger: Logger, job: Job, outcome: FinishOutcome, serverId: string): void {
  if (outcome.to === 'succeeded' || outcome.to === 'scheduled') return;
  const error = outcome.error ?? null;
  const fields = {
    ...jobFields(job),
    serverId,
    error: errorText(error),
    ...(error?.name ? { errorName: error.name } : {}),
  };
  const attempt = `attempt ${job.attempt} of ${job.maxAttempts}`;
  if (outcome.to === 'awaiting_retry') {
    const retryAt = outcome.runAt?.toISOString() ?? 'later';
    logger.warn(
      { ...fields, retryAt },
      `job ${job.id} (${job.method}) ${attempt} failed: ${errorText(error)}; retrying at ${retryAt}`,
    );
    return;
  }
  logger.error(fields, `job ${job.id} (${job.method}) failed for good after ${attempt}: ${errorText(error)}`);
}

/** Logs jobs a sweep moved to `failed` (their lease lapsed, or their server died, with no attempt left). */
export function logSweptFailures(logger: Logger, jobs: readonly Job[], why: string): void {
  for (const job of jobs) {
    if (job.state !== 'failed') continue;
    logger.error(
      { ...jobFields(job), error: errorText(job.lastError) },
      `job ${job.id} (${job.method}) failed for good: ${why} after attempt ${job.attempt} of ${job.maxAttempts}`,
    );
  }
}

function jobFields(job: Job): Record<string, unknown> {
  return {
    jobId: job.id,
    method: job.method,
    queue: job.queue,
    attempt: job.attempt,
    maxAttempts: job.maxAttempts,
  };
}

function errorText(error: JobError | null): string {
  return error?.message ? error.message : '(no error message)';
}
