import { Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { SEVERITY_COLOR } from '../../components/HealthBadge.tsx';
import type { Finding } from '@etcd-monitor/monitor/contract';

/** Findings lists what is wrong, most severe first, each with its evidence and what to do. */
export function Findings({ findings }: { findings: Finding[] }) {
  if (findings.length === 0) {
    return (
      <Text c="teal" size="sm" data-testid="no-findings">
        No findings: every check passes.
      </Text>
    );
  }
  return (
    <Stack gap="xs" data-testid="findings">
      {findings.map((f, i) => (
        <Paper key={`${f.code}-${f.member ?? ''}-${i}`} withBorder p="xs" style={{ borderLeft: `4px solid var(--mantine-color-${SEVERITY_COLOR[f.severity]}-6)` }}>
          <Group gap="xs" mb={2}>
            <Badge size="xs" color={SEVERITY_COLOR[f.severity]}>
              {f.severity}
            </Badge>
            <Text size="xs" c="dimmed" ff="monospace">
              {f.code}
            </Text>
            {f.member && (
              <Text size="xs" c="dimmed">
                member {f.member}
              </Text>
            )}
          </Group>
          <Text size="sm" fw={500}>
            {f.message}
          </Text>
          {f.evidence && (
            <Text size="xs" c="dimmed">
              Evidence: {f.evidence}
            </Text>
          )}
          {f.hint && <Text size="xs">What to do: {f.hint}</Text>}
        </Paper>
      ))}
    </Stack>
  );
}
