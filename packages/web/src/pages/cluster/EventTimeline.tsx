import { Badge, Group, ScrollArea, Stack, Text, Timeline } from '@mantine/core';
import { useEvents } from '../../api/queries.ts';
import { LocalTime } from '../../components/LocalTime.tsx';
import { ErrorState, LoadingState } from '../../components/states.tsx';

const BAD = new Set(['leader_lost', 'member_down', 'quorum_lost', 'alarm_raised', 'split_brain', 'cluster_unreachable', 'member_removed']);

/** EventTimeline shows the cluster's events newest first (local time, UTC on hover); new ones arrive over the stream. */
export function EventTimeline({ cluster, member }: { cluster: string; member?: string }) {
  const ev = useEvents(cluster);
  if (ev.isPending) return <LoadingState what="events" />;
  if (ev.isError) return <ErrorState title="Could not load the events" error={ev.error} onRetry={() => void ev.refetch()} />;
  const list = member ? ev.data.filter((e) => e.member === member) : ev.data;
  if (list.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No events yet. Leader changes, members going down or up, alarms and quorum changes appear here as they happen.
      </Text>
    );
  return (
    <ScrollArea.Autosize mah={420} type="auto" viewportProps={{ tabIndex: 0, 'aria-label': 'Events' }}>
      <Timeline bulletSize={14} lineWidth={2} data-testid="event-timeline">
        {list.slice(0, 200).map((e, i) => (
          <Timeline.Item key={`${e.time}-${e.type}-${i}`} color={BAD.has(e.type) ? 'red' : 'teal'} data-type={e.type}>
            <Stack gap={0}>
              <Group gap="xs">
                <Badge size="xs" variant="light" color={BAD.has(e.type) ? 'red' : 'teal'}>
                  {e.type}
                </Badge>
                <Text size="xs" c="dimmed">
                  <LocalTime time={e.time} />
                </Text>
              </Group>
              <Text size="sm">{e.message}</Text>
            </Stack>
          </Timeline.Item>
        ))}
      </Timeline>
    </ScrollArea.Autosize>
  );
}
