// logger.ts: the logging seam. Shaped like pino's (`log.info(fields, message)`), so a pino logger plugs in as is;
// the default writes to the console.

/** A structured logger; pino instances satisfy it. */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

/** Logs at `minLevel` and above to the console. @defaultValue minLevel 'info' */
export function consoleLogger(minLevel: Level = 'info'): Logger {
  const threshold = LEVELS.indexOf(minLevel);
  const make = (level: Level) => (fields: Record<string, unknown>, message: string) => {
    if (LEVELS.indexOf(level) < threshold) return;
    const rest = Object.keys(fields).length ? ` ${JSON.stringify(fields, errorReplacer)}` : '';
    console[level](`[jobsmith] ${level}: ${message}${rest}`);
  };
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') };
}

/** A logger that drops everything (tests, benchmarks). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value;
}
