// statements.ts: the embedded SQL (src/sql, src/migrations) bound to one schema. The schema and channel names reach
// SQL only through quoteIdentifier, replacing the psql-style `:"schema"` / `:"channel"` placeholders; every value is
// a bind parameter. Each statement a call runs is a named prepared statement (parsed and planned once per connection),
// named from a hash of its bound text so storages on other schemas sharing one pool never collide.
import { createHash } from 'node:crypto';
import { migrations } from './generated/migrations.js';
import { sql } from './generated/sql.js';

export type StatementName = keyof typeof sql;

/** A bound statement: `pg` prepares it under `name` on each connection the first time it runs there. */
export interface Statement {
  /** The prepared statement's name; absent for statements run once or that cannot be prepared. */
  readonly name?: string;
  readonly text: string;
}

export type Statements = Readonly<Record<StatementName, Statement>>;

/**
 * Run once per storage (migrations), holding several commands (migrate-bootstrap), or not worth a plan (BEGIN /
 * COMMIT, LISTEN, reading the clock): sent as plain text instead of being prepared on every pooled connection.
 */
const UNPREPARED: ReadonlySet<StatementName> = new Set<StatementName>([
  'migrate-applied',
  'migrate-bootstrap',
  'migrate-lock',
  'migrate-record',
  'migrate-timeouts',
  'read-store-time',
  'transaction-begin',
  'transaction-commit',
  'transaction-rollback',
  'transaction-savepoint',
  'transaction-rollback-to-savepoint',
  'transaction-release-savepoint',
  'listen',
]);

/** A numbered migration ready to run. */
export interface Migration {
  version: number;
  name: string;
  text: string;
}

const SCHEMA_PLACEHOLDER = /:"schema"/g;
const CHANNEL_PLACEHOLDER = /:"channel"/g;

/** `name` as a double-quoted SQL identifier (embedded quotes doubled), so any case or character is safe. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Every statement of src/sql, with the schema and its channel filled in, and its prepared-statement name. */
export function bindStatements(schema: string): Statements {
  const bound = {} as Record<StatementName, Statement>;
  for (const name of Object.keys(sql) as StatementName[]) {
    const text = sql[name]
      .replace(SCHEMA_PLACEHOLDER, () => quoteIdentifier(schema))
      .replace(CHANNEL_PLACEHOLDER, () => quoteIdentifier(channelName(schema)));
    bound[name] = UNPREPARED.has(name) ? { text } : { name: preparedName(text), text };
  }
  return bound;
}

/** `jobsmith_` and 96 bits of the text's SHA-256: equal texts share a name, different ones never do (< 63 bytes). */
function preparedName(text: string): string {
  return `jobsmith_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
}

/** Every migration of src/migrations (`0001-create-tables.sql` is version 1), lowest first, schema filled in. */
export function bindMigrations(schema: string): Migration[] {
  const quoted = quoteIdentifier(schema);
  return Object.entries(migrations)
    .map(([name, text]) => ({
      version: Number.parseInt(name, 10),
      name,
      text: text.replace(SCHEMA_PLACEHOLDER, () => quoted),
    }))
    .sort((a, b) => a.version - b.version);
}

/** The LISTEN/NOTIFY channel of a schema: one per schema, so storages on other schemas never wake each other. */
export function channelName(schema: string): string {
  return `${schema}_jobs`;
}
