// server/run-context.ts: the `ctx` a handler and its middleware get for one run. It only exposes the run (its signal
// made on first read): the executor decides when the signal fires and what the run's outcome is.
import type { Job } from '../job.js';
import type { Logger } from '../logger.js';
import type { JobContext } from '../registry.js';
import type { RunningJob } from './executor.js';

/**
 * The `ctx` a handler and its middleware get. `signal` and `log` are built on first read (getters on the prototype),
 * since most handlers never touch them.
 */
export class RunContext implements JobContext {
  readonly job: Job;
  readonly attempt: number;
  readonly progress: (value: number) => Promise<void>;
  private readonly entry: RunningJob;
  private readonly logger: Logger;
  private jobLog: Logger | null = null;

  constructor(entry: RunningJob, logger: Logger, progress: (value: number) => Promise<void>) {
    this.job = entry.job;
    this.attempt = entry.job.attempt;
    this.progress = progress;
    this.entry = entry;
    this.logger = logger;
  }

  get signal(): AbortSignal {
    const entry = this.entry;
    if (entry.controller === null) {
      entry.controller = new AbortController();
      if (entry.abortError !== null) entry.controller.abort(entry.abortError);
    }
    return entry.controller.signal;
  }

  get log(): Logger {
    this.jobLog ??= jobLogger(this.logger, this.job);
    return this.jobLog;
  }
}

/** `logger` with the job's id, method and attempt on every line. */
function jobLogger(logger: Logger, job: Job): Logger {
  const base = { jobId: job.id, method: job.method, attempt: job.attempt };
  return {
    debug: (fields, message) => logger.debug({ ...base, ...fields }, message),
    info: (fields, message) => logger.info({ ...base, ...fields }, message),
    warn: (fields, message) => logger.warn({ ...base, ...fields }, message),
    error: (fields, message) => logger.error({ ...base, ...fields }, message),
  };
}
