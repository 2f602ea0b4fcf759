// architecture.test.ts: docs/architecture.md names real code. Every file it names exists (paths relative to
// packages/core/src/, to a named package's src/, or to that package's sql/ or scripts/ folder), and every
// `Class.method` it names is declared in the file that defines the class, so a rename that leaves the walk behind fails
// here.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC = readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8');
const PACKAGES = readdirSync(join(ROOT, 'packages'));

/** The folders a bare path in the walk may be relative to. */
const BASES = PACKAGES.flatMap((name) => [
  `packages/${name}/src`,
  `packages/${name}/src/sql`,
  `packages/${name}/src/scripts`,
]);

/** `code` spans of the doc. */
const spans = [...DOC.matchAll(/`([^`\n]+)`/g)].map((match) => match[1] ?? '');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const CORE_SOURCES = sourceFiles(join(ROOT, 'packages/core/src')).map((path) => readFileSync(path, 'utf8'));

describe('docs/architecture.md', () => {
  const paths = spans.filter((span) => /^[\w./*-]+\.(ts|sql|lua)$/.test(span) && !span.includes('*'));

  it('names files that exist', () => {
    expect(paths.length).toBeGreaterThan(40);
    const missing = paths.filter((path) => {
      const bare = path.replace(/^(storage-\w+|core)\/src\//, '');
      const owner = /^(storage-\w+|core)\/src\//.exec(path)?.[1];
      const bases = owner ? [`packages/${owner}/src`] : BASES;
      return !existsSync(join(ROOT, path)) && !bases.some((base) => existsSync(join(ROOT, base, bare)));
    });
    expect(missing).toEqual([]);
  });

  it('names methods that the named class declares', () => {
    const references = spans.filter((span) => /^[A-Z]\w+\.\w+$/.test(span));
    expect(references.length).toBeGreaterThan(8);
    const missing = references.filter((reference) => {
      const [owner, member] = reference.split('.') as [string, string];
      const declaring = CORE_SOURCES.filter((source) => new RegExp(`class ${owner}\\b`).test(source));
      return !declaring.some((source) =>
        new RegExp(`^\\s+(?:private |async |static |get )*${member}\\b`, 'm').test(source),
      );
    });
    expect(missing).toEqual([]);
  });
});
