// progress.ts: one line per benchmark step on stderr, stamped with the time since start, so a long run shows where
// it is without cluttering the table on stdout.

const startedAt = performance.now();

/** Writes `[mm:ss] message` to stderr. */
export function progress(message: string): void {
  const seconds = Math.floor((performance.now() - startedAt) / 1000);
  const stamp = `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
  process.stderr.write(`[${stamp}] ${message}\n`);
}

/** Seconds since the program started. */
export function elapsedSeconds(): number {
  return (performance.now() - startedAt) / 1000;
}
