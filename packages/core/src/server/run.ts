// server/run.ts: one claimed job's run, from its claim until its outcome (or hand-back) is written or it is discarded,
// as one explicit state machine. A run only records where it is and refuses moves its lifecycle does not allow; what
// a move sets off (writes, worker slots, events) is the executor's.
import { type AbortReason, JobAbortedError, JobsmithError } from '../errors.js';
import type { Job } from '../job.js';
import type { Lease } from '../storage.js';
import type { Deadline } from './deadlines.js';

/**
 * Where a run is.
 * - `running`: its end is not decided; it holds a worker slot. Its signal may have fired for a stop, whose handler
 *   may still return (and be written).
 * - `held`: its outcome waits to be written and it keeps its slot, the write-behind bound being reached.
 * - `writtenBehind`: its outcome waits to be written; its slot is free.
 * - `releasing`: its hand-back (attempt refunded) waits to be written; it keeps its slot.
 * - `ended`: its write ended (persisted, refused, dropped or given up), or it was discarded (cancel, lost lease):
 *   nothing of it is held any more, and whatever its handler does later is thrown away.
 */
export type RunState = 'running' | 'held' | 'writtenBehind' | 'releasing' | 'ended';

/** The only moves a run may make. */
export const RUN_MOVES: Readonly<Record<RunState, readonly RunState[]>> = Object.freeze({
  running: ['held', 'writtenBehind', 'releasing', 'ended'],
  held: ['writtenBehind', 'ended'],
  writtenBehind: ['ended'],
  releasing: ['ended'],
  ended: [],
});

/** The states in which a run counts against `workerCount`. */
const SLOT_STATES: ReadonlySet<RunState> = new Set(['running', 'held', 'releasing']);

/** One job between its claim and the end of its run. */
export class Run implements Deadline {
  readonly job: Job;
  readonly lease: Lease;
  readonly timeoutMs: number;
  readonly deadlineAt: number;
  private current: RunState = 'running';
  /** Made on the first read of `signal`: most handlers never look, and a controller per job costs. */
  private controller: AbortController | null = null;
  private reason: AbortReason | null = null;
  private error: JobAbortedError | null = null;
  private cancelled = false;
  /** What storage holds as the job's progress: the claim's, then each report it took. */
  private storedProgress: number | null;

  /** A run of `job`, claimed at `claimedAtMs` (clock ms), that times out after `timeoutMs`. */
  constructor(job: Job, timeoutMs: number, claimedAtMs: number) {
    this.job = job;
    this.lease = { id: job.id, leaseId: job.leaseId ?? '' };
    this.timeoutMs = timeoutMs;
    this.deadlineAt = claimedAtMs + timeoutMs;
    this.storedProgress = job.progress;
  }

  get state(): RunState {
    return this.current;
  }

  /** Its end is not decided yet: the handler's result (or a timeout, cancel or stop) still decides it. */
  get isRunning(): boolean {
    return this.current === 'running';
  }

  /** It counts against `workerCount`: running, held past the write-behind bound, or handing back. */
  get holdsSlot(): boolean {
    return SLOT_STATES.has(this.current);
  }

  /** Why its signal fired, if it did. */
  get abortedBy(): AbortReason | null {
    return this.reason;
  }

  /** The handler's `ctx.signal`, made on first read (already aborted if the run was). */
  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.error !== null) this.controller.abort(this.error);
    }
    return this.controller.signal;
  }

  /** The job as this run knows storage holds it: as claimed, with the last progress storage took. */
  get storedJob(): Job {
    return this.storedProgress === this.job.progress ? this.job : { ...this.job, progress: this.storedProgress };
  }

  /** Storage took `value` as the job's progress (a `recordProgress` that applied). */
  noteProgress(value: number): void {
    this.storedProgress = value;
  }

  /** Storage moved the job to `deleted`, and this run has said so (`jobCancelled`). */
  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Outcome queued, slot kept: `running` -> `held`. */
  hold(): void {
    this.move('held');
  }

  /** Outcome queued, slot freed: `running` or `held` -> `writtenBehind`. */
  writeBehind(): void {
    this.move('writtenBehind');
  }

  /** Hand-back queued: `running` -> `releasing`. */
  release(): void {
    this.move('releasing');
  }

  /** Its write ended, or (from `running`) it was discarded: -> `ended`. */
  end(): void {
    this.move('ended');
  }

  /**
   * Fires the signal with `reason` (and `error`, else a JobAbortedError naming the reason); false when it already
   * fired: the first reason stands. Only a running run has a handler to tell.
   */
  abort(reason: AbortReason, error?: JobAbortedError): boolean {
    if (this.current !== 'running') throw this.refused(`abort (${reason})`);
    if (this.reason !== null) return false;
    this.reason = reason;
    this.error = error ?? new JobAbortedError(this.job.id, reason);
    this.controller?.abort(this.error);
    return true;
  }

  /**
   * Notes that storage moved the job to `deleted`; false when already noted, so `jobCancelled` goes out once. A cancel
   * is a fact about the job, not a step of the run: it may arrive while it runs or while its outcome is written.
   */
  noteCancelled(): boolean {
    if (this.cancelled) return false;
    this.cancelled = true;
    return true;
  }

  private move(to: RunState): void {
    if (!RUN_MOVES[this.current].includes(to)) throw this.refused(`move to ${to}`);
    this.current = to;
  }

  private refused(what: string): JobsmithError {
    return new JobsmithError(`run of job ${this.job.id} cannot ${what} while ${this.current}`);
  }
}
