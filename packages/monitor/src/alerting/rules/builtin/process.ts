import type { Rule } from '../rule.ts';

/** PROCESS_RULES cover the etcd process's resources. */
export const PROCESS_RULES: readonly Rule[] = [
  {
    name: 'etcdFileDescriptorsNearLimit',
    expr: 'fd_used_ratio > 0.8',
    for: 10 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }} uses {{ $value | humanizePercentage }} of its file descriptors',
    description:
      '{{ $labels.member }} has {{ $value | humanizePercentage }} of its file descriptor limit open (threshold {{ $threshold | humanizePercentage }}); at the limit it refuses client and peer connections.',
    runbook: 'Look for clients leaking connections or watches; raise LimitNOFILE in the unit file.',
    enabled: true,
  },
];
