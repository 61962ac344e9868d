import { Badge } from '@mantine/core';
import { useLiveState } from '../api/live.ts';

/** LiveIndicator shows whether the live stream is connected; a lost stream says it is reconnecting. */
export function LiveIndicator() {
  const s = useLiveState();
  const label = s === 'live' ? 'Live' : s === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  return (
    <Badge color={s === 'live' ? 'teal' : 'yellow'} variant="dot" data-testid="live-state" data-state={s} aria-live="polite" w={130}>
      {label}
    </Badge>
  );
}
