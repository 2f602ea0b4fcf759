// report.ts: turns measurements into the terminal table (Markdown, so it pastes into docs/benchmarks.md as is), the
// loud lines for skipped systems and exactly-once failures, and the JSON file of raw figures. It measures nothing.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Settings } from './options.js';
import { count, type Measurement, type Skip } from './result.js';
import { formatValue } from './runner.js';
import { summarize } from './stats.js';
import type { SystemSpec } from './system.js';

const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
const PEER_PACKAGES = ['bullmq', 'pg-boss', 'graphile-worker', 'pg', 'ioredis'];

/** The ratio column: this row's median against the best other system's on the same store (>1 = ahead). */
export function ratioToBestOther(row: Measurement, all: readonly Measurement[]): number | null {
  if (row.samples.length === 0) return null;
  // Not the same system's other profiles (jobsmith's defaults rows): only other systems count.
  const others = all.filter(
    (m) =>
      m.system !== row.system &&
      m.store === row.store &&
      m.scenario === row.scenario &&
      m.params === row.params &&
      m.metric === row.metric &&
      m.samples.length > 0,
  );
  if (others.length === 0) return null;
  const mine = summarize(row.samples).median;
  const theirs = others.map((m) => summarize(m.samples).median);
  if (row.better === 'higher') {
    const best = Math.max(...theirs);
    return best > 0 ? mine / best : null;
  }
  const best = Math.min(...theirs);
  return mine > 0 ? best / mine : null;
}

function check(row: Measurement): string {
  if (row.samples.length === 0) return 'FAILED';
  if (row.duplicates === 0 && row.missing === 0) return 'ok';
  if (row.duplicates === 0 && row.missing === null) return 'n/a';
  return `!! ${count(row.duplicates)} dup / ${row.missing === null ? '?' : count(row.missing)} missing`;
}

function figure(row: Measurement): string {
  if (row.samples.length === 0) return 'failed';
  const { median, min, max, count: runs } = summarize(row.samples);
  const value = formatValue(median, row.unit);
  if (runs === 1) return value;
  const unitless = (v: number) => formatValue(v, row.unit).replace(/ (jobs\/s|ms)$/, '');
  return `${value} [${unitless(min)}–${unitless(max)}]`;
}

/** The results table in Markdown (skipped systems first, loudly), with numbered notes under it. */
export function renderTable(rows: readonly Measurement[], skips: readonly Skip[] = []): string {
  const header = ['system', 'store', 'scenario', 'parameters', 'metric', 'median [min–max]', 'vs best other', 'check'];
  const notes: string[] = [];
  const lines = rows.map((row) => {
    const ratio = ratioToBestOther(row, rows);
    const marks = row.notes.map((note) => {
      notes.push(note);
      return `[${notes.length}]`;
    });
    return [
      row.product,
      row.store,
      row.scenario,
      row.params,
      row.metric,
      figure(row) + (marks.length > 0 ? ` ${marks.join('')}` : ''),
      ratio === null ? '—' : `${ratio.toFixed(2)}x`,
      check(row),
    ];
  });
  const skipped = skips.map((s) => [s.system, s.store, 'all', `!!! SKIPPED: ${s.reason}`, '—', '—', '—', '—']);
  const table = [header, header.map(() => '---'), ...skipped, ...lines]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');
  const footnotes = notes.map((note, k) => `[${k + 1}] ${note}`).join('\n');
  return footnotes.length > 0 ? `${table}\n\n${footnotes}` : table;
}

/** Loud lines for systems that did not run and for any job that ran twice or never. */
export function renderWarnings(rows: readonly Measurement[], skips: readonly Skip[]): string[] {
  const lines = skips.map((s) => `!!! SKIPPED ${s.system} (${s.store}): ${s.reason}`);
  for (const row of rows) {
    if (row.duplicates > 0 || (row.missing !== null && row.missing > 0)) {
      lines.push(
        `!!! RED FLAG ${row.system} ${row.scenario} (${row.params}): ${count(row.duplicates)} duplicate runs, ` +
          `${row.missing === null ? 'unknown' : count(row.missing)} missing jobs`,
      );
    }
    if (row.samples.length === 0) lines.push(`!!! FAILED ${row.system} ${row.scenario} (${row.params})`);
  }
  return lines;
}

/** The machine, for the report header and the JSON file. */
export function machine(): Record<string, unknown> {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${process.platform} ${release()}`,
    node: process.version,
    loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
  };
}

function versions(): Record<string, string> {
  const found: Record<string, string> = {};
  for (const name of PEER_PACKAGES) {
    try {
      const manifest = JSON.parse(readFileSync(join(BENCH_DIR, 'node_modules', name, 'package.json'), 'utf8'));
      found[name] = String(manifest.version);
    } catch {
      found[name] = 'unknown';
    }
  }
  return found;
}

export interface ReportFile {
  startedAt: Date;
  settings: Settings;
  systems: readonly SystemSpec[];
  skips: readonly Skip[];
  measurements: readonly Measurement[];
}

/** Writes the raw figures as JSON; returns the path written. */
export function writeJson(report: ReportFile, path: string | null): string {
  const target = path ?? join(RESULTS_DIR, `${report.startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  mkdirSync(dirname(target), { recursive: true });
  const body = {
    startedAt: report.startedAt.toISOString(),
    machine: machine(),
    versions: versions(),
    settings: report.settings,
    systems: report.systems.map(({ name, product, store, configuration }) => ({ name, product, store, configuration })),
    skips: report.skips,
    measurements: report.measurements.map((m) => ({
      ...m,
      summary: m.samples.length > 0 ? summarize(m.samples) : null,
      ratioToBestOther: ratioToBestOther(m, report.measurements),
    })),
  };
  writeFileSync(target, `${JSON.stringify(body, null, 2)}\n`);
  return target;
}
