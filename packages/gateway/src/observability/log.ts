/** LogLevel orders log records by severity. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

const LEVELS: Record<LogLevel, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: 100 };

/** Logger writes structured records; the shape (level number, time, msg, fields) matches pino's so the same tools read both. */
export interface Logger {
  /** debug logs detail useful when investigating. */
  debug(fields: Record<string, unknown>, msg: string): void;
  /** info logs a normal event. */
  info(fields: Record<string, unknown>, msg: string): void;
  /** warn logs a problem the gateway worked around. */
  warn(fields: Record<string, unknown>, msg: string): void;
  /** error logs a failure. */
  error(fields: Record<string, unknown>, msg: string): void;
}

/** createLogger returns a JSON-lines logger writing to `out` at or above `level`. */
export function createLogger(level: LogLevel = 'info', out: NodeJS.WritableStream = process.stderr, base: Record<string, unknown> = {}): Logger {
  const min = LEVELS[level] ?? 30;
  const write = (lvl: LogLevel) => (fields: Record<string, unknown>, msg: string) => {
    if (LEVELS[lvl] < min) return;
    out.write(`${JSON.stringify({ level: LEVELS[lvl], time: Date.now(), pid: process.pid, ...base, ...fields, msg })}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** silentLogger drops everything (tests). */
export const silentLogger: Logger = createLogger('silent');
