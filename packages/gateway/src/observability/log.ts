import { REDACTED_KEYS } from '@etcd-monitor/core';

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

const SECRET_KEYS = new Set(REDACTED_KEYS);

/** redacted returns `fields` with the value of every secret-named key (REDACTED_KEYS, as the services' logger hides them) replaced, two levels deep. */
function redacted(fields: Record<string, unknown>, depth = 0): Record<string, unknown> {
  let out = fields;
  for (const k in fields) {
    const v = fields[k];
    let nv = v;
    if (SECRET_KEYS.has(k)) nv = '[redacted]';
    else if (depth < 2 && typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Error)) nv = redacted(v as Record<string, unknown>, depth + 1);
    if (nv === v) continue;
    if (out === fields) out = { ...fields };
    out[k] = nv;
  }
  return out;
}

/** createLogger returns a JSON-lines logger writing to `out` at or above `level`; fields named like secrets (`password`, `token`, `authorization`, …) are written as `[redacted]`. */
export function createLogger(level: LogLevel = 'info', out: NodeJS.WritableStream = process.stderr, base: Record<string, unknown> = {}): Logger {
  const min = LEVELS[level] ?? 30;
  const write = (lvl: LogLevel) => (fields: Record<string, unknown>, msg: string) => {
    if (LEVELS[lvl] < min) return;
    out.write(`${JSON.stringify({ level: LEVELS[lvl], time: Date.now(), pid: process.pid, ...base, ...redacted(fields), msg })}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** childLogger returns a logger that writes through `parent` with `bound` added to every record (`bound` wins over a record's own fields of the same name). */
export function childLogger(parent: Logger, bound: Record<string, unknown>): Logger {
  return {
    debug: (fields, msg) => parent.debug({ ...fields, ...bound }, msg),
    info: (fields, msg) => parent.info({ ...fields, ...bound }, msg),
    warn: (fields, msg) => parent.warn({ ...fields, ...bound }, msg),
    error: (fields, msg) => parent.error({ ...fields, ...bound }, msg),
  };
}

/** silentLogger drops everything (tests). */
export const silentLogger: Logger = createLogger('silent');
