import { formatLocalTime, formatUtc } from '../lib/format.ts';

/** LocalTime shows a time in the browser's zone, with UTC on hover. */
export function LocalTime({ time }: { time: string | number }) {
  const d = new Date(time);
  return (
    <time dateTime={d.toISOString()} title={formatUtc(d)} style={{ fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' }}>
      {formatLocalTime(d)}
    </time>
  );
}
