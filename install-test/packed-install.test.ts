// packed-install.test.ts: what a user gets from npm. Builds and packs every @jobsmith package (`pnpm pack`), installs
// the tarballs with plain npm into a fresh app outside the workspace, and runs an ESM app (SQLite, Postgres, Redis), a
// CommonJS app (SQLite) and a TypeScript app under `tsc --strict` without skipLibCheck there. Slow on purpose (a
// real install, better-sqlite3 compiled from source where no prebuilt binary can be fetched): it is the one test that
// sees the packages as published.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const runFile = promisify(execFile);

/** Runs a command; a failure's message carries the end of its output, which execFile's own leaves out. */
async function run(...args: Parameters<typeof runFile>): Promise<{ stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await runFile(...args);
    return { stdout: String(stdout), stderr: String(stderr) };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${(error as Error).message}\n${output}`, { cause: error });
  }
}
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APP_FILES = fileURLToPath(new URL('./app', import.meta.url));
const PACKAGES = ['core', 'storage-memory', 'storage-sqlite', 'storage-postgres', 'storage-redis'];
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const INSTALL_TIMEOUT_MS = 12 * 60_000;

/** pnpm as the test was started with it (`pnpm test` sets npm_execpath), else the one on PATH. */
function pnpm(): [string, string[]] {
  const execPath = process.env['npm_execpath'];
  return execPath?.includes('pnpm') ? [process.execPath, [execPath]] : ['pnpm', []];
}

/** The environment without the npm_* settings pnpm passes down, so the app's npm uses its own defaults. */
function plainEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
}

describe('the packages as installed from their tarballs', () => {
  const work = mkdtempSync(join(tmpdir(), 'jobsmith-packed-'));
  const tarballs = join(work, 'tarballs');
  const app = join(work, 'app');
  const schema = `jobsmith_packed_${process.pid}`;

  beforeAll(async () => {
    const [command, prefix] = pnpm();
    await run(command, [...prefix, 'run', 'build'], { cwd: ROOT, timeout: INSTALL_TIMEOUT_MS });
    for (const name of PACKAGES) {
      const cwd = join(ROOT, 'packages', name);
      await run(command, [...prefix, 'pack', '--pack-destination', tarballs], { cwd, timeout: 120_000 });
    }
    cpSync(APP_FILES, app, { recursive: true });
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'packed-install-app', private: true }));
    const typescript = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson).devDependencies
      .typescript;
    const files = readdirSync(tarballs).map((file) => join(tarballs, file));
    // As the README says: the drivers are the app's own, in the ranges the storage packages accept as peers.
    const drivers = [peerRange('storage-postgres', 'pg'), peerRange('storage-redis', 'ioredis')];
    const install = [
      'install',
      '--no-audit',
      '--no-fund',
      ...files,
      ...drivers,
      `typescript@${typescript}`,
      '@types/node@^20',
    ];
    await run('npm', install, { cwd: app, env: plainEnv(), timeout: INSTALL_TIMEOUT_MS });
  }, INSTALL_TIMEOUT_MS + 120_000);

  afterAll(async () => {
    // Through the app's own drivers, before its folder goes.
    const drop = `const pg = require('pg'); const c = new pg.Client(process.argv[1]);
      c.connect().then(() => c.query('DROP SCHEMA IF EXISTS "${schema}" CASCADE')).finally(() => c.end());`;
    const unlink = `const Redis = require('ioredis'); const r = new Redis(process.argv[1]);
      r.keys('${schema}:*').then((keys) => keys.length && r.del(...keys)).finally(() => r.quit());`;
    try {
      await run('node', ['-e', drop, DATABASE_URL], { cwd: app, timeout: 30_000 });
      await run('node', ['-e', unlink, REDIS_URL], { cwd: app, timeout: 30_000 });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('packs workspace ranges into real ones and no workspace-only export condition', () => {
    const packed = readFileSync(join(app, 'node_modules/@jobsmith/storage-sqlite/package.json'), 'utf8');
    expect(packed).not.toContain('workspace:');
    expect(packed).not.toContain('"source"');
    expect(JSON.parse(packed)).toMatchObject({ license: 'MIT', peerDependencies: { '@jobsmith/core': '^0.1.0' } });
    const postgres = JSON.parse(
      readFileSync(join(app, 'node_modules/@jobsmith/storage-postgres/package.json'), 'utf8'),
    );
    expect(postgres.peerDependencies).toHaveProperty('pg');
    expect(postgres.dependencies).not.toHaveProperty('pg');
  });

  it('keeps the test kit out of the main and storage entries (no vitest reached from them)', () => {
    const dist = join(app, 'node_modules/@jobsmith/core/dist');
    const entries = [...readdirSync(dist), ...readdirSync(join(dist, 'storage')).map((file) => join('storage', file))];
    const code = entries.filter((file) => /\.(c?js)$/.test(file));
    expect(code.length).toBeGreaterThan(3);
    for (const file of code) expect(readFileSync(join(dist, file), 'utf8'), file).not.toContain('vitest');
  });

  it('runs a job from an ESM app on SQLite', async () => {
    const { stdout } = await run('node', ['esm.mjs', 'sqlite', join(work, 'esm.db')], { cwd: app, timeout: 30_000 });
    expect(stdout.trim()).toBe('esm: hello sqlite');
  });

  it('runs a job from an ESM app on Postgres', async () => {
    const args = ['esm.mjs', 'postgres', DATABASE_URL, schema];
    const { stdout } = await run('node', args, { cwd: app, timeout: 30_000 });
    expect(stdout.trim()).toBe('esm: hello postgres');
  });

  it('runs a job from an ESM app on Redis', async () => {
    const args = ['esm.mjs', 'redis', REDIS_URL, schema];
    const { stdout } = await run('node', args, { cwd: app, timeout: 30_000 });
    expect(stdout.trim()).toBe('esm: hello redis');
  });

  it('runs a job from a CommonJS app on SQLite', async () => {
    const { stdout } = await run('node', ['cjs.cjs', join(work, 'cjs.db')], { cwd: app, timeout: 30_000 });
    expect(stdout.trim()).toBe('cjs: hello cjs');
  });

  it('compiles a TypeScript app under tsc --strict without skipLibCheck', async () => {
    const tsc = join(app, 'node_modules/.bin/tsc');
    const result = await runFile(tsc, ['-p', '.'], { cwd: app, timeout: 120_000 }).catch(
      (error: { stdout?: string; code?: number }) => ({ stdout: error.stdout ?? '', code: error.code }),
    );
    expect(result.stdout).toBe('');
  });
});

interface PackageJson {
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
}

/** `name@range` for a peer dependency of the workspace package `pkg`. */
function peerRange(pkg: string, name: string): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', pkg, 'package.json'), 'utf8')) as PackageJson;
  return `${name}@${manifest.peerDependencies[name]}`;
}
