import { pino, type Logger } from 'pino';

/** REDACTED_KEYS are field names whose values never reach a log line, at any depth pino can address. */
export const REDACTED_KEYS = ['password', 'token', 'authorization', 'secret', 'key', 'routing_key', 'webhook_url'];

/** createLogger returns the structured JSON logger every service uses, with secrets redacted. */
export function createLogger(o: { name: string; level?: string; destination?: NodeJS.WritableStream }): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);
  return pino({ name: o.name, level: o.level ?? process.env.LOG_LEVEL ?? 'info', redact: { paths, censor: '[redacted]' } }, (o.destination ?? process.stdout) as pino.DestinationStream);
}

export type { Logger };
