// statements.test.ts: identifiers enter SQL only through quoteIdentifier, with the table prefix applied.
import { describe, expect, it } from 'vitest';
import { quoteIdentifier, renderSql } from './statements.js';

describe('renderSql', () => {
  it('replaces each {{name}} with the quoted, prefixed identifier', () => {
    expect(renderSql('SELECT * FROM {{jobs}} JOIN {{servers}} ON 1', 'app_')).toBe(
      'SELECT * FROM "app_jobs" JOIN "app_servers" ON 1',
    );
  });

  it('leaves parameters and other text alone', () => {
    expect(renderSql("WHERE id = $id AND note = '{x}'", 'p_')).toBe("WHERE id = $id AND note = '{x}'");
  });
});

describe('quoteIdentifier', () => {
  it('doubles embedded quotes', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });
});
