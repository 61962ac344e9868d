/** RangeKey names a time range of the picker; the monitor keeps the list, since dashboards are saved with one. */
export type { RangeKey } from '@etcd-monitor/monitor/contract';
import type { RangeKey } from '@etcd-monitor/monitor/contract';

/** TimeRange is one choice of the picker: how far back, and the step that selects raw, 1 m or 1 h data. */
export interface TimeRange {
  key: RangeKey;
  label: string;
  /** fromMs is how far back the range starts. */
  fromMs: number;
  /** step is sent to /series/query; none for live, so the raw samples come back as stored. */
  step: string | undefined;
  /** refreshMs is how often a non-live range is re-read. */
  refreshMs: number;
  /** live ranges read raw samples once, then follow the stream. */
  live: boolean;
  /** heavy ranges (24 h of raw 1 s samples: 86,400 points per member) are offered per dashboard panel only. */
  heavy?: boolean;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/**
 * RANGES are the picker's choices; steps keep every chart near 300 points so a 90-day chart stays as light as a live one.
 * `live24h` is the exception, for a dashboard panel that must show every 1 s sample of a day.
 */
export const RANGES: TimeRange[] = [
  { key: 'live', label: 'Live 15 min', fromMs: 15 * MIN, step: undefined, refreshMs: 0, live: true },
  { key: '1h', label: '1 h', fromMs: HOUR, step: '15s', refreshMs: 15_000, live: false },
  { key: '24h', label: '24 h', fromMs: DAY, step: '5m', refreshMs: 60_000, live: false },
  { key: '7d', label: '7 d', fromMs: 7 * DAY, step: '30m', refreshMs: 5 * MIN, live: false },
  { key: '30d', label: '30 d', fromMs: 30 * DAY, step: '2h', refreshMs: 15 * MIN, live: false },
  { key: '90d', label: '90 d', fromMs: 90 * DAY, step: '6h', refreshMs: HOUR, live: false },
  { key: 'live24h', label: 'Live 24 h (1 s)', fromMs: DAY, step: undefined, refreshMs: 0, live: true, heavy: true },
];

/** rangeOf finds a range by key, defaulting to live. */
export function rangeOf(key: string | null | undefined): TimeRange {
  return RANGES.find((r) => r.key === key) ?? RANGES[0]!;
}
