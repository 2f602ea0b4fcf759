// private-postgres.ts (test only): a PostgreSQL cluster of the test's own, for tests that restart the server without
// disturbing the shared one every other test file uses: initdb into a temporary directory, pg_ctl on a free loopback
// port (15432 and up), run as the `postgres` OS user when the test runs as root (PostgreSQL refuses root). Data
// survives `restart()` (a fast shutdown checkpoints); `stop()` removes it all. Real time: it is a real server.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPort } from '@jobsmith/core/testing';
import pg from 'pg';

const run = promisify(execFile);

const FIRST_PORT = 15_432;
const LAST_PORT = 15_531;
const BIN_ROOT = '/usr/lib/postgresql';
const OS_USER = 'postgres';
const HOW_TO_INSTALL =
  `PostgreSQL's server binaries (initdb, pg_ctl) must be under ${BIN_ROOT}/<version>/bin ` +
  '(e.g. `apt-get install postgresql`)';
/** How long pg_ctl waits for a start, stop or restart, in seconds. */
const PG_CTL_WAIT_S = 60;

/** One private cluster: started once, restarted at will, removed by `stop()`. */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly bin: string,
  ) {}

  /** Creates a cluster in a fresh temporary directory and starts it; rejects saying how to install what is missing. */
  static async start(): Promise<PrivatePostgres> {
    const bin = serverBinaries();
    const dir = mkdtempSync(join(tmpdir(), 'jobsmith-pg-'));
    const cluster = new PrivatePostgres(await freeLoopbackPort(FIRST_PORT, LAST_PORT), dir, bin);
    try {
      if (userInfo().uid === 0) chownToServerUser(dir);
      await cluster.pg('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
      await cluster.pgCtl(['start', '-l', join(dir, 'server.log'), '-o', cluster.serverOptions()]);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return cluster;
  }

  /** A connection string for `database` on this cluster (trust auth, user postgres). */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** `pg_ctl restart -m fast`: every connection is ended, the data checkpointed; resolves once it accepts again. */
  async restart(): Promise<void> {
    await this.pgCtl(['restart', '-m', 'fast', '-l', join(this.dir, 'server.log'), '-o', this.serverOptions()]);
  }

  /** Runs `sql` on a short-lived connection of its own. */
  async query(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: this.url(), connectionTimeoutMillis: 10_000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  /** Stops the server at once and removes its directory. */
  async stop(): Promise<void> {
    try {
      await this.pgCtl(['stop', '-m', 'immediate']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** Loopback only, its socket in its own directory, no fsync (a clean shutdown still writes everything). */
  private serverOptions(): string {
    return [
      `-p ${this.port}`,
      '-c listen_addresses=127.0.0.1',
      `-c unix_socket_directories=${this.dir}`,
      '-c fsync=off',
      '-c max_connections=200',
    ].join(' ');
  }

  private pgCtl(args: string[]): Promise<void> {
    return this.pg('pg_ctl', ['-D', this.dataDir, '-w', '-t', String(PG_CTL_WAIT_S), ...args]);
  }

  /** Runs one server binary, as the postgres OS user when this process is root. */
  private async pg(binary: string, args: string[]): Promise<void> {
    const path = join(this.bin, binary);
    const [file, argv] = userInfo().uid === 0 ? ['runuser', ['-u', OS_USER, '--', path, ...args]] : [path, args];
    try {
      await run(file, argv, { cwd: this.dir, timeout: (PG_CTL_WAIT_S + 10) * 1000 });
    } catch (error) {
      const { stderr = '', stdout = '' } = error as { stderr?: string; stdout?: string };
      throw new Error(`${binary} ${args[0] ?? ''} failed: ${stderr || stdout || String(error)}`, { cause: error });
    }
  }
}

/** The newest version's bin directory under BIN_ROOT; throws saying how to install one. */
function serverBinaries(): string {
  const versions = existsSync(BIN_ROOT) ? readdirSync(BIN_ROOT) : [];
  const bins = versions
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(BIN_ROOT, version, 'bin'))
    .filter((bin) => existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl')));
  const bin = bins[0];
  if (bin === undefined) throw new Error(`no PostgreSQL server found: ${HOW_TO_INSTALL}`);
  return bin;
}

/** Hands `dir` to the postgres OS user, who runs the server (initdb refuses root). */
function chownToServerUser(dir: string): void {
  const entry = userEntry(OS_USER);
  if (entry === null) throw new Error(`no '${OS_USER}' OS user to run the private server as: ${HOW_TO_INSTALL}`);
  chownSync(dir, entry.uid, entry.gid);
}

/** uid and gid of `name` from /etc/passwd, or null. */
function userEntry(name: string): { uid: number; gid: number } | null {
  const passwd = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8') : '';
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name) return { uid: Number(uid), gid: Number(gid) };
  }
  return null;
}
