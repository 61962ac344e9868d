/** Unit is how a chart or a figure formats its numbers. */
export type Unit = 'bytes' | 'bytesPerSec' | 'seconds' | 'ms' | 'opsPerSec' | 'count' | 'ratio' | 'cores';

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** formatBytes prints a byte count with a binary unit, e.g. 1.5 MiB. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  let v = Math.abs(n);
  let i = 0;
  while (v >= 1024 && i < BYTE_UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  const s = i === 0 ? String(Math.round(v)) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${n < 0 ? '-' : ''}${s} ${BYTE_UNITS[i]}`;
}

/** formatMs prints a duration in milliseconds with sensible precision (µs below 1 ms, s above 10 s). */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms === 0) return '0 ms';
  if (Math.abs(ms) < 1) return `${(ms * 1000).toFixed(0)} µs`;
  if (Math.abs(ms) < 10) return `${ms.toFixed(2)} ms`;
  if (Math.abs(ms) < 10_000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** formatDuration prints seconds as a short human duration, e.g. 3d 4h or 12m. */
export function formatDuration(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** formatNumber prints a plain number compactly (1.2k, 3.4M). */
export function formatNumber(n: number | null | undefined, digits = 2): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (Number.isInteger(n)) return String(n);
  return a >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

/** formatValue formats a value of the given unit for axes, legends and tables. */
export function formatValue(v: number | null | undefined, unit: Unit): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  switch (unit) {
    case 'bytes':
      return formatBytes(v);
    case 'bytesPerSec':
      return `${formatBytes(v)}/s`;
    case 'seconds':
      return formatMs(v * 1000);
    case 'ms':
      return formatMs(v);
    case 'opsPerSec':
      return `${formatNumber(v)} ops/s`;
    case 'ratio':
      return `${(v * 100).toFixed(v < 0.1 ? 1 : 0)} %`;
    case 'cores':
      return `${(v * 100).toFixed(1)} % CPU`;
    case 'count':
      return formatNumber(v);
  }
}

/** formatAxis is formatValue made shorter for axis ticks (ops/s becomes /s). */
export function formatAxis(v: number | null | undefined, unit: Unit): string {
  if (unit === 'opsPerSec') return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${formatNumber(v, 1)}/s`;
  if (unit === 'cores') return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(0)} %`;
  return formatValue(v, unit);
}

/** formatLocalTime prints a time in the browser's zone; formatUtc gives the UTC form for the hover title. */
export function formatLocalTime(t: string | number | Date): string {
  const d = new Date(t);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** formatUtc prints a time as ISO 8601 UTC, shown on hover next to local times. */
export function formatUtc(t: string | number | Date): string {
  return new Date(t)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/** UNIT_LABEL names each unit for chart titles, so a panel says what its numbers are away from its axis. */
export const UNIT_LABEL: Record<Unit, string> = {
  bytes: 'bytes',
  bytesPerSec: 'bytes/s',
  seconds: 'seconds',
  ms: 'ms',
  opsPerSec: 'per second',
  count: 'count',
  ratio: '%',
  cores: 'CPU',
};
