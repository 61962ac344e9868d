import type { Rule } from '../rule.ts';

/** NETWORK_RULES cover the raft transport between members: round-trip time and heartbeats. */
export const NETWORK_RULES: readonly Rule[] = [
  {
    name: 'etcdMemberCommunicationSlow',
    // Labelled by the member the round trips go to (the mixin's `To`), the slowest of its peers' measurements.
    expr: 'peer_rtt_p99_5m_to_seconds > 0.15',
    for: 10 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd cluster {{ $cluster }}: communication with member {{ $labels.member }} is slow ({{ $value }} s)',
    description: 'The p99 round-trip time over 5 minutes from a peer to {{ $labels.member }} is {{ $value }} s (threshold {{ $threshold }} s).',
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
