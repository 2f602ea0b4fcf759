// server/run-context.ts: the `ctx` a handler and its middleware get for one run. It only exposes the run (its signal
// made on first read): the executor decides when the signal fires and what the run's outcome is. It knows the run
// (run.ts), never the executor.
import type { Job } from '../job.js';
import type { Logger } from '../logger.js';
import type { JobContext } from '../registry.js';
import type { Run } from './run.js';

/**
 * The `ctx` a handler and its middleware get. `signal` and `log` are built on first read (getters on the prototype),
 * since most handlers never touch them.
 */
export class RunContext implements JobContext {
  readonly job: Job;
  readonly attempt: number;
  readonly progress: (value: number) => Promise<void>;
  private readonly run: Run;
  private readonly logger: Logger;
  private jobLog: Logger | null = null;

  constructor(run: Run, logger: Logger, progress: (value: number) => Promise<void>) {
    this.job = run.job;
    this.attempt = run.job.attempt;
    this.progress = progress;
    this.run = run;
    this.logger = logger;
  }

  get signal(): AbortSignal {
    return this.run.signal;
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
