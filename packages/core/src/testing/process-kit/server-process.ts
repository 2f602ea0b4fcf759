// server-process.ts: the parent's handle on one server child: spawns server-child.ts with its spec, keeps every
// message it sends and the tail of its output (for failure messages), and knows whether and how it exited. Waiting
// across several children is ServerProcesses' job.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { JobState } from '../../job.js';
import type { ChildMessage, RunRecord, ServerChildSpec } from './protocol.js';

/** Output kept per child for failure messages, in characters. */
const OUTPUT_TAIL_CHARS = 8_000;

/** How a child ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One running (or ended) server child. */
export class ServerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything the child sent, in arrival order. */
  readonly messages: ChildMessage[] = [];
  /** Every handler execution the child reported, in arrival order. */
  readonly records: RunRecord[] = [];
  /** Set once the child has exited and its IPC channel and output have closed. */
  exit: ProcessExit | null = null;
  /** True once the parent signalled the child: its exit is then expected. */
  signalled = false;
  /** Resolves when `exit` is set. */
  readonly closed: Promise<ProcessExit>;
  private output = '';
  private readonly moves = new Map<JobState, number>();

  /** Spawns the child; `onChange` runs after each message and after the exit. */
  constructor(spec: ServerChildSpec, cwd: string, onChange: () => void) {
    this.name = spec.name;
    const args = ['--conditions=source', '--import', 'tsx', childScript(), JSON.stringify(spec)];
    this.child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('message', (message: ChildMessage) => {
      this.messages.push(message);
      if (message.type === 'record') this.records.push(message.record);
      if (message.type === 'state') this.moves.set(message.to, this.movesInto(message.to) + 1);
      onChange();
    });
    this.closed = new Promise((resolve) => {
      // 'close', not 'exit': it comes after the IPC channel is drained, so no message arrives after it.
      this.child.on('close', (code, signal) => {
        this.exit = { code, signal };
        onChange();
        resolve(this.exit);
      });
      this.child.on('error', (error) => {
        this.output += `\nspawn failed: ${error.message}`;
      });
    });
  }

  /** The child's OS pid (undefined if the spawn failed). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The server's id from its `ready` message (null before it). */
  get serverId(): string | null {
    const ready = this.messages.find((message) => message.type === 'ready');
    return ready?.type === 'ready' ? ready.serverId : null;
  }

  /** How many moves into `to` this child's server persisted (kept as messages arrive: waits check it often). */
  movesInto(to: JobState): number {
    return this.moves.get(to) ?? 0;
  }

  /** The errors its server survived (each `error` event), as messages. */
  get errors(): string[] {
    return this.messages.flatMap((message) =>
      message.type === 'error' ? [`${message.source}: ${message.message}`] : [],
    );
  }

  /** The warnings and errors its server logged, as `level: message`. */
  get logs(): string[] {
    return this.messages.flatMap((message) => (message.type === 'log' ? [`${message.level}: ${message.message}`] : []));
  }

  /** Why a `block` handler's signal fired for `jobId` here (`cancel`, `leaseLost`, ...), or null if it has not. */
  abortReason(jobId: string): string | null {
    const aborted = this.messages.find((message) => message.type === 'aborted' && message.jobId === jobId);
    return aborted?.type === 'aborted' ? aborted.reason : null;
  }

  /** Whether this child's server emitted `jobCancelled` for `jobId`. */
  emittedCancel(jobId: string): boolean {
    return this.messages.some((message) => message.type === 'jobCancelled' && message.jobId === jobId);
  }

  /** Whether this child's server persisted a move of `jobId` into `to`. */
  reached(jobId: string, to: JobState): boolean {
    return this.messages.some((message) => message.type === 'state' && message.jobId === jobId && message.to === to);
  }

  /** Whether a handler started `jobId` here. */
  ran(jobId: string): boolean {
    return this.messages.some((message) => message.type === 'record' && message.record.jobId === jobId);
  }

  /** Ended without the parent asking (a crash, a fatal start-up error). */
  get exitedUnexpectedly(): boolean {
    return this.exit !== null && !this.signalled;
  }

  /** Sends `signal` (SIGKILL: a crash; SIGTERM: a graceful stop) and resolves once the child is gone. */
  async kill(signal: 'SIGKILL' | 'SIGTERM'): Promise<ProcessExit> {
    if (this.exit !== null) return this.exit;
    this.signalled = true;
    this.child.kill(signal);
    return this.closed;
  }

  /** A few lines on what the child did, for failure messages. */
  describe(): string {
    const exit = this.exit ? `exited ${this.exit.code ?? this.exit.signal}` : 'running';
    const fatal = this.messages.find((message) => message.type === 'fatal');
    const lines = [`process ${this.name} (pid ${this.pid}, ${exit}): ${this.records.length} records`];
    if (fatal?.type === 'fatal') lines.push(`  fatal: ${fatal.message}`);
    for (const error of this.errors.slice(-3)) lines.push(`  error event: ${error.split('\n')[0]}`);
    for (const log of this.logs.slice(-3)) lines.push(`  logged ${log}`);
    if (this.output.trim() !== '') lines.push(`  output tail:\n${this.output.trimEnd()}`);
    return lines.join('\n');
  }
}

/** The child script beside this file, resolved only when a child is spawned. */
function childScript(): string {
  return fileURLToPath(new URL('./server-child.ts', import.meta.url));
}
