import type { Rule } from '../rule.ts';

/** NETWORK_RULES cover the raft transport between members: round-trip time and heartbeats. */
export const NETWORK_RULES: readonly Rule[] = [
  {
    name: 'etcdMemberCommunicationSlow',
    expr: 'peer_rtt_p99_5m_seconds > 0.15',
    for: 10 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: peer communication is slow ({{ $value }} s)',
    description: 'The p99 round-trip time over 5 minutes from {{ $labels.member }} to its slowest peer is {{ $value }} s (threshold {{ $threshold }} s).',
    runbook: 'Check the network between members (latency, packet loss, bandwidth saturated by snapshots).',
    enabled: true,
  },
  {
    name: 'etcdHeartbeatSendFailures',
    expr: 'increase(heartbeat_send_failures_total[10m]) > 5',
    for: 5 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd leader {{ $labels.member }} of {{ $cluster }} fails to send heartbeats ({{ $value }} in 10 min)',
    description: 'Leader {{ $labels.member }} failed {{ $value }} heartbeat sends in 10 minutes; followers that miss heartbeats start elections.',
    runbook: 'The leader is too slow to send on time: check its disk (fsync), CPU starvation and the peer network.',
    enabled: true,
  },
];
