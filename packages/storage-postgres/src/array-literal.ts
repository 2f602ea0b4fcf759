// array-literal.ts: PostgreSQL array literals ('{"a","b",NULL}') built here for the column arrays that batch
// statements unnest. `pg` would build the same text, but it runs two regular-expression replaces on every element;
// these literals test for a character to escape first, which ids, queues and states never have: about half the
// encoding time of a 1,000-job enqueue.

/** An element a column array may hold; null and undefined are SQL NULL. */
export type ArrayElement = string | number | boolean | null | undefined;

const HAS_SPECIAL = /["\\]/;
const SPECIALS = /["\\]/g;

function element(value: ArrayElement): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') {
    // Always quoted: an unquoted element may not be empty, NULL, or hold a brace, comma or space.
    return HAS_SPECIAL.test(value) ? `"${value.replace(SPECIALS, '\\$&')}"` : `"${value}"`;
  }
  if (typeof value === 'boolean') return value ? 't' : 'f';
  return String(value);
}

/** The one-dimensional array literal of `values`, for a parameter cast to an array type in the statement. */
export function arrayLiteral(values: readonly ArrayElement[]): string {
  if (values.length === 0) return '{}';
  let literal = `{${element(values[0])}`;
  for (let index = 1; index < values.length; index++) literal += `,${element(values[index])}`;
  return `${literal}}`;
}
