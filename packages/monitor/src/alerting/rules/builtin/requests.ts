import type { Rule } from '../rule.ts';

const FAILED_GRPC = '100 * avg_over_time(grpc_errors_rate[5m]) / avg_over_time(grpc_requests_rate[5m])';

/** REQUEST_RULES cover what clients see: failed and slow gRPC requests, and the probe's read/write latency against an SLO. */
export const REQUEST_RULES: readonly Rule[] = [
  {
    name: 'etcdHighNumberOfFailedGRPCRequests',
    expr: `${FAILED_GRPC} > 1`,
    for: 10 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: {{ $value }}% of gRPC requests fail',
    description: '{{ $value }}% of the gRPC requests member {{ $labels.member }} handled over 5 minutes failed (threshold {{ $threshold }}%).',
    runbook: 'Look at the failing codes in the member log: Unavailable and DeadlineExceeded point at leader loss or overload, ResourceExhausted at the quota.',
    enabled: true,
  },
  {
    name: 'etcdHighNumberOfFailedGRPCRequests',
    expr: `${FAILED_GRPC} > 5`,
    for: 5 * 60_000,
    severity: 'critical',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: {{ $value }}% of gRPC requests fail',
    description: '{{ $value }}% of the gRPC requests member {{ $labels.member }} handled over 5 minutes failed (threshold {{ $threshold }}%).',
    runbook: 'Look at the failing codes in the member log: Unavailable and DeadlineExceeded point at leader loss or overload, ResourceExhausted at the quota.',
    enabled: true,
  },
  {
    name: 'etcdGRPCRequestsSlow',
    expr: 'quantile_over_time(0.99, probe_read_serializable_ms[5m]) > 150',
    for: 10 * 60_000,
    severity: 'critical',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: gRPC requests are slow (p99 {{ $value }} ms)',
    description: "The p99 of the monitor's serializable reads against {{ $labels.member }} over 5 minutes is {{ $value }} ms (threshold {{ $threshold }} ms).",
    runbook: 'A member slow to answer a local read is overloaded: check its CPU, memory and expensive range requests.',
    enabled: true,
  },
  {
    name: 'etcdProbeReadLatencyHigh',
    expr: 'quantile_over_time(0.99, probe_read_linearizable_ms[5m]) > 100',
    for: 5 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: linearizable reads above the SLO (p99 {{ $value }} ms)',
    description: "The p99 of the monitor's linearizable reads through {{ $labels.member }} over 5 minutes is {{ $value }} ms, above the {{ $threshold }} ms SLO.",
    runbook: 'A linearizable read waits for the leader to confirm its term: check leader disk latency and peer round-trip times.',
    enabled: true,
  },
  {
    name: 'etcdProbeWriteLatencyHigh',
    expr: 'quantile_over_time(0.99, probe_write_ms[5m]) > 250',
    for: 5 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: writes above the SLO (p99 {{ $value }} ms)',
    description: "The p99 of the monitor's probe writes through {{ $labels.member }} over 5 minutes is {{ $value }} ms, above the {{ $threshold }} ms SLO.",
    runbook: 'A write waits for a quorum to fsync: check WAL fsync and backend commit latency, and the peer network.',
    enabled: true,
  },
];
