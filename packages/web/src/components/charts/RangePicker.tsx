import { SegmentedControl } from '@mantine/core';
import { RANGES, type RangeKey } from './ranges.ts';

/** RangePicker chooses the charts' time range: live 15 min, 1 h, 24 h, 7 d, 30 d or 90 d. */
export function RangePicker({ value, onChange }: { value: RangeKey; onChange: (k: RangeKey) => void }) {
  const data = RANGES.filter((r) => !r.heavy || r.key === value).map((r) => ({ value: r.key, label: r.label }));
  return <SegmentedControl size="xs" aria-label="Time range" value={value} onChange={(v) => onChange(v as RangeKey)} data={data} data-testid="range-picker" />;
}
