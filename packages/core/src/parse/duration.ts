import { AppError } from '../errors.ts';

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * parseDuration reads a Go/Prometheus-style duration (`500ms`, `5s`, `1m30s`, `2h`, `7d`, `1w`) into milliseconds.
 * A bare number is taken as seconds, as etcdctl does for its timeouts.
 */
export function parseDuration(text: string, field = 'duration'): number {
  const s = String(text).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s) * 1000;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2]!] ?? 0);
    matched = re.lastIndex;
  }
  if (s === '' || matched !== s.length) {
    throw new AppError('CORE_BAD_DURATION', `${field}: "${text}" is not a duration`, {
      field,
      hint: 'use a number with a unit, such as 500ms, 5s, 1m or 2h',
    });
  }
  return total;
}

/** tryDuration is parseDuration for form fields: the milliseconds, or undefined when the text is not a duration. */
export function tryDuration(text: string): number | undefined {
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}
