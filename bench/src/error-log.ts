// error-log.ts: collects the errors a library reports on its own (error events, not rejected calls), so a run that
// "worked" while its library was failing underneath says so in the table instead of staying silent.
import { describe } from './services.js';

export class ErrorLog {
  private count = 0;
  private first: string | null = null;

  /** Records one reported error; usable directly as an event listener. */
  readonly record = (error: unknown): void => {
    this.count++;
    this.first ??= describe(error);
  };

  /** A one-line summary of the errors recorded since the last call (null when none), and a fresh start. */
  take(): string | null {
    if (this.count === 0) return null;
    const summary = `${this.count} error${this.count === 1 ? '' : 's'} reported by the library (first: ${this.first})`;
    this.count = 0;
    this.first = null;
    return summary;
  }
}
