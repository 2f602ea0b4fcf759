// guide.test.ts: docs/writing-a-backend.md shows only code that compiles and runs. Each TypeScript block in it comes
// right after a marker naming a file here, `<!-- example: docs/examples/<file> -->` (the whole file) or
// `<!-- example: docs/examples/<file>#<region> -->` (the lines between `// #region <region>` and the next
// `// #endregion`), and must equal it character for character, so the guide cannot drift from the tested code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GUIDE = 'docs/writing-a-backend.md';
const MARKER = /^<!-- example: (docs\/examples\/[\w.-]+)(?:#([\w-]+))? -->$/;

/** A TypeScript block of the guide and the line just before it, where its marker belongs. */
interface Block {
  marker: string;
  code: string;
}

function read(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** Every ```ts block of `markdown`, its text ending in a newline as a file's does. */
function typescriptBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let start = lines.indexOf('```ts'); start >= 0; start = lines.indexOf('```ts', start + 1)) {
    const end = lines.indexOf('```', start + 1);
    blocks.push({
      marker: lines[start - 1] ?? '',
      code: `${lines.slice(start + 1, end < 0 ? undefined : end).join('\n')}\n`,
    });
  }
  return blocks;
}

/** The lines between `// #region <name>` and the next `// #endregion` of `text`, or null without such a region. */
function region(text: string, name: string): string | null {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.trim() === `// #region ${name}`);
  const end = lines.findIndex((line, index) => index > start && line.trim() === '// #endregion');
  return start < 0 || end < 0 ? null : `${lines.slice(start + 1, end).join('\n')}\n`;
}

const guide = read(GUIDE);
const blocks = typescriptBlocks(guide);

describe(GUIDE, () => {
  it('marks every TypeScript block with the file it shows', () => {
    const unmarked = blocks.filter((block) => !MARKER.test(block.marker)).map((block) => block.code.split('\n')[0]);
    expect(unmarked).toEqual([]);
    expect(guide.match(/<!-- example:/g)?.length).toBe(blocks.length);
  });

  it("shows the skeleton's shape and the conformance harness", () => {
    expect(blocks.map((block) => block.marker)).toEqual(
      expect.arrayContaining([
        '<!-- example: docs/examples/my-storage.ts#shape -->',
        '<!-- example: docs/examples/conformance-harness.test.ts -->',
      ]),
    );
  });

  for (const block of blocks) {
    const [, file, name] = MARKER.exec(block.marker) ?? [];
    if (file === undefined) continue;
    it(`shows ${file}${name === undefined ? '' : `#${name}`} exactly as the file holds it`, () => {
      const text = read(file);
      expect(block.code).toBe(name === undefined ? text : region(text, name));
    });
  }
});
