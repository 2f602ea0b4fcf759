// statements.ts: the embedded SQL (src/sql, src/migrations) bound to one schema. The schema and channel names reach
// SQL only through quoteIdentifier, replacing the psql-style `:"schema"` / `:"channel"` placeholders; every value is
// a bind parameter.
import { migrations } from './generated/migrations.js';
import { sql } from './generated/sql.js';

export type StatementName = keyof typeof sql;
export type Statements = Readonly<Record<StatementName, string>>;

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

/** Every statement of src/sql, with the schema and its channel filled in. */
export function bindStatements(schema: string): Statements {
  const bound = {} as Record<StatementName, string>;
  for (const name of Object.keys(sql) as StatementName[]) {
    bound[name] = sql[name]
      .replace(SCHEMA_PLACEHOLDER, () => quoteIdentifier(schema))
      .replace(CHANNEL_PLACEHOLDER, () => quoteIdentifier(channelName(schema)));
  }
  return bound;
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
