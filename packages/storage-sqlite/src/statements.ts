// statements.ts: the SQL files bound to one connection. Table and index names are written {{name}} in the .sql
// files and rendered here as quoted, prefixed identifiers; values are always bound, never spliced into SQL text.
import type Database from 'better-sqlite3';
import { sql } from './generated/sql.js';
import type { SqlParams } from './rows.js';

/** The name of a file in src/sql, without `.sql`. */
export type SqlName = keyof typeof sql;

/** `"name"`, with any `"` doubled: the one way an identifier enters SQL text. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Replaces each {{name}} with the quoted identifier `prefix + name`. */
export function renderSql(text: string, prefix: string): string {
  return text.replace(/\{\{([a-z_]+)\}\}/g, (_match, name: string) => quoteIdentifier(prefix + name));
}

type Runner = (body: () => unknown) => unknown;

/**
 * Prepared statements for one connection, each prepared on first use and then cached, plus the BEGIN IMMEDIATE
 * wrapper every write runs in.
 */
export class Statements {
  private readonly cache = new Map<SqlName, Database.Statement>();
  private readonly transaction: Database.Transaction<Runner>;

  constructor(
    readonly db: Database.Database,
    private readonly prefix: string,
  ) {
    this.transaction = db.transaction<Runner>((body) => body());
  }

  /**
   * Runs `body` in BEGIN IMMEDIATE (the write lock is taken up front, so two processes never interleave a
   * read-then-write; if another connection holds it, this waits up to busy_timeout, then throws SQLITE_BUSY having
   * written nothing). Inside the app's own transaction it becomes a SAVEPOINT of it.
   */
  immediate<T>(body: () => T): T {
    return this.transaction.immediate(body) as T;
  }

  /**
   * Runs `body` with the connection's busy_timeout at 0, so a lock another connection holds fails at once with
   * SQLITE_BUSY instead of blocking the event loop (busy-wait.ts then waits asynchronously), and puts the value back
   * after: the app's own, on an app-owned Database, read each time since the app may change it.
   */
  withoutBusyWait<T>(body: () => T): T {
    const resting = this.get<{ timeout: number }>('busy-timeout')?.timeout ?? 0;
    // PRAGMA takes no bound parameters, and a prepared one applies its value when prepared, not when run.
    this.db.exec('PRAGMA busy_timeout = 0');
    try {
      return body();
    } finally {
      this.db.exec(`PRAGMA busy_timeout = ${Math.trunc(resting)}`);
    }
  }

  /** Runs a statement; returns how many rows it changed. */
  run(name: SqlName, params?: SqlParams): number {
    const statement = this.prepare(name);
    return (params ? statement.run(params) : statement.run()).changes;
  }

  /** The first row a statement returns, if any. */
  get<Row>(name: SqlName, params?: SqlParams): Row | undefined {
    const statement = this.prepare(name);
    return (params ? statement.get(params) : statement.get()) as Row | undefined;
  }

  /** Every row a statement returns. */
  all<Row>(name: SqlName, params?: SqlParams): Row[] {
    const statement = this.prepare(name);
    return (params ? statement.all(params) : statement.all()) as Row[];
  }

  /** Runs a whole script (a migration), rendered with the prefix. */
  exec(script: string): void {
    this.db.exec(renderSql(script, this.prefix));
  }

  private prepare(name: SqlName): Database.Statement {
    let statement = this.cache.get(name);
    if (!statement) {
      statement = this.db.prepare(renderSql(sql[name], this.prefix));
      this.cache.set(name, statement);
    }
    return statement;
  }
}
