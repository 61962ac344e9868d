import { AppError, parseDuration } from '@etcd-monitor/core';

/** parseTime reads an API time parameter: ISO 8601, ms since the epoch, or a duration back from now (`15m`, `24h`). */
export function parseTime(text: string, field: string, now = Date.now()): number {
  if (/^\d{10,}$/.test(text)) return Number(text);
  if (/^\d+(\.\d+)?(ms|s|m|h|d|w)$/.test(text)) return now - parseDuration(text, field);
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new AppError('MON_BAD_REQUEST', `${field}: "${text}" is not a time`, {
      field,
      hint: 'use ISO 8601 (2026-11-25T10:00:00Z), ms since the epoch, or a duration back from now such as 1h',
    });
  return t;
}
