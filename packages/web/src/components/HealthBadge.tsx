import { Badge } from '@mantine/core';
import type { HealthStatus, Severity } from '@etcd-monitor/monitor/contract';

/** HEALTH_COLOR maps a cluster status to its Mantine colour, used everywhere a status is shown. */
export const HEALTH_COLOR: Record<HealthStatus, string> = { healthy: 'teal', degraded: 'yellow', critical: 'red', unreachable: 'gray' };

/** SEVERITY_COLOR maps a finding severity to its Mantine colour. */
export const SEVERITY_COLOR: Record<Severity, string> = { critical: 'red', warning: 'yellow', info: 'blue' };

/** HealthBadge shows a cluster's status as a coloured badge. */
export function HealthBadge({ status }: { status: HealthStatus }) {
  return (
    <Badge color={HEALTH_COLOR[status]} variant="light" data-testid="health-badge" data-status={status}>
      {status}
    </Badge>
  );
}
