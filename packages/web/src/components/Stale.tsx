import type { ReactNode } from 'react';
import { Text } from '@mantine/core';
import { formatDuration } from '../lib/format.ts';

/**
 * Stale shows a value as it is while current; when `age` (ms) is set, the value is shown as old, with its age, so a
 * down member's last numbers are never read as live.
 */
export function Stale({ age, children }: { age: number | null; children: ReactNode }) {
  if (age === null) return <>{children}</>;
  const ago = formatDuration(age / 1000);
  return (
    <Text span inherit fs="italic" data-stale="true" title={`last value, ${ago} old: the member is not answering or its metrics could not be read`}>
      {children}{' '}
      <Text span size="xs" c="dimmed">
        ({ago} old)
      </Text>
    </Text>
  );
}
