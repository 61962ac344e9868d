import { createRequire } from 'node:module';
import type { Logger, pino as Pino } from 'pino';

/** REDACTED_KEYS are field names whose values never reach a log line, at any depth pino can address. */
export const REDACTED_KEYS = ['password', 'token', 'authorization', 'secret', 'key', 'routing_key', 'webhook_url'];

// pino (with its worker-thread transport) costs ~9 MB of RSS on load; it is required on the first createLogger, so
// processes that import @etcd-monitor/core without logging through it (gateway workers) never pay for it.
const load = () => (createRequire(import.meta.url)('pino') as { pino: typeof Pino }).pino;

/** createLogger returns the structured JSON logger every service uses, with secrets redacted. */
export function createLogger(o: { name: string; level?: string; destination?: NodeJS.WritableStream }): Logger {
  const pino = load();
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino(
    { name: o.name, level: o.level ?? process.env.LOG_LEVEL ?? 'info', redact: { paths, censor: '[redacted]' } },
    (o.destination ?? process.stdout) as Pino.DestinationStream,
  );
}

export type { Logger };
