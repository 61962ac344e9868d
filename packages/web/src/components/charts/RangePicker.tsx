import { SegmentedControl } from '@mantine/core';
import { RANGES, type RangeKey } from './ranges.ts';

/** RangePicker chooses the charts' time range: live 15 min, 1 h, 24 h, 7 d, 30 d or 90 d. */
export function RangePicker({ value, onChange }: { value: RangeKey; onChange: (k: RangeKey) => void }) {
  return <SegmentedControl size="xs" aria-label="Time range" value={value} onChange={(v) => onChange(v as RangeKey)} data={RANGES.map((r) => ({ value: r.key, label: r.label }))} data-testid="range-picker" />;
}
