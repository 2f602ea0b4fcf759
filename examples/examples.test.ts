// examples.test.ts: runs each example as its own process, as a user would, and checks it exits 0 with its last line.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

function runExample(
  file: string,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      tsx,
      ['--conditions=source', `examples/${file}`, ...args],
      { cwd: root, timeout: 30_000 },
      (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
      },
    );
  });
}

const examples: [string, RegExp][] = [
  ['quickstart.ts', /^quickstart: all 3 jobs finished$/m],
  ['middleware-hooks.ts', /^middleware-hooks: done$/m],
  ['recurring.ts', /^recurring: fired 3 times$/m],
];

// The quickstart writes its SQLite file where it is told: a temporary folder, not the checkout.
const dir = mkdtempSync(join(tmpdir(), 'jobsmith-examples-'));
const argsFor = (file: string) => (file === 'quickstart.ts' ? [join(dir, `${Math.random()}.db`)] : []);

describe('examples', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [file, lastLine] of examples) {
    it(`${file} runs to completion and exits 0`, async () => {
      const { code, stdout, stderr } = await runExample(file, argsFor(file));
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(lastLine);
    });
  }

  it('quickstart retries the flaky job and runs the delayed one', async () => {
    const { stdout } = await runExample('quickstart.ts', argsFor('quickstart.ts'));
    expect(stdout).toContain('call_partner_api: attempt 1 failed (partner API timed out), retrying');
    expect(stdout).toContain('call_partner_api -> succeeded after 2 attempt(s)');
    expect(stdout).toContain('resize_image -> succeeded after 1 attempt(s)');
  });
});
