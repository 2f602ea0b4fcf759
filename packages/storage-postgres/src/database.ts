// database.ts: runs named statements on the pool (or a given client) and short transactions on one pooled client,
// translating every failure through toStorageError. It knows nothing of jobs: storage.ts picks what to run.
import type pg from 'pg';
import { type ConnectionTarget, isQueryReadTimeout, toStorageError } from './errors.js';
import type { StatementName, Statements } from './statements.js';

/** Anything a statement can run on: the pool, a pooled client, or an app-owned client inside its transaction. */
export type Queryable = pg.Pool | pg.ClientBase;

export class Database {
  /**
   * @param queryTimeoutMs Overrides the connection's `query_timeout` for each statement run here, in ms (`pg` keeps
   *   the connection's own when 0); migrations run on a Database of their own with a longer one.
   */
  constructor(
    readonly pool: pg.Pool,
    private readonly statements: Statements,
    readonly target: ConnectionTarget,
    private readonly queryTimeoutMs = 0,
  ) {}

  /** Runs statement `name` with `values` on `via` (default: the pool), prepared under its own name when it has one. */
  async run<R extends pg.QueryResultRow = pg.QueryResultRow>(
    operation: string,
    name: StatementName,
    values: unknown[] = [],
    via: Queryable = this.pool,
  ): Promise<pg.QueryResult<R>> {
    try {
      const { name: preparedAs, text } = this.statements[name];
      return await via.query<R>(this.config({ name: preparedAs, text, values }));
    } catch (error) {
      throw toStorageError(operation, error, this.target);
    }
  }

  /** Runs SQL text that is not a named statement (a migration file), without parameters. */
  async runText(operation: string, text: string, via: Queryable): Promise<void> {
    try {
      await via.query(this.config({ text }));
    } catch (error) {
      throw toStorageError(operation, error, this.target);
    }
  }

  /**
   * Runs `work` inside BEGIN / COMMIT on one pooled client; any error rolls back and is rethrown translated. After a
   * read timeout the client is discarded instead (closing it ends the transaction): a ROLLBACK would wait as long again.
   */
  async transaction<T>(operation: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect(operation);
    let broken: Error | undefined;
    try {
      await this.run(operation, 'transaction-begin', [], client);
      const result = await work(client);
      await this.run(operation, 'transaction-commit', [], client);
      return result;
    } catch (error) {
      broken = isQueryReadTimeout(error) ? (error as Error) : await this.rollback(operation, client);
      throw toStorageError(operation, error, this.target);
    } finally {
      client.release(broken);
    }
  }

  /** `query` with this Database's query timeout, a per-query setting `pg` reads but its types do not declare. */
  private config(query: pg.QueryConfig): pg.QueryConfig {
    if (this.queryTimeoutMs === 0) return query;
    return Object.assign(query, { query_timeout: this.queryTimeoutMs });
  }

  private async connect(operation: string): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw toStorageError(operation, error, this.target);
    }
  }

  /** Rolls back; returns the error when that failed too, so the client is destroyed rather than reused. */
  private async rollback(operation: string, client: pg.PoolClient): Promise<Error | undefined> {
    try {
      await this.run(operation, 'transaction-rollback', [], client);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }
}
