import type { Rule } from '../rule.ts';

/** RAFT_RULES cover proposals: failed, pending, and the committed − applied gap. */
export const RAFT_RULES: readonly Rule[] = [
  {
    // The mixin compares a per-second rate over 15m with "failures within the last 30 minutes". The count wording is
    // what an operator acts on, and 5 failures in 30 minutes matches etcd's own older rule, so the expression counts.
    name: 'etcdHighNumberOfFailedProposals',
    expr: 'increase(proposals_failed_total[30m]) > 5',
    for: 15 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: {{ $value }} proposal failures within the last 30 minutes',
    description:
      'Member {{ $labels.member }} saw {{ $value }} failed proposals within the last 30 minutes (threshold {{ $threshold }}). Proposals fail during leader elections and when a quorum is unreachable.',
    runbook: 'Correlate with leader changes; check for a member that cannot reach the leader.',
    enabled: true,
  },
  {
    name: 'etcdProposalsPendingHigh',
    expr: 'min_over_time(proposals_pending[5m]) > 100',
    for: 5 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: {{ $value }} proposals pending',
    description:
      'At least {{ $value }} proposals have been waiting on {{ $labels.member }} for 5 minutes (threshold {{ $threshold }}): the cluster commits slower than clients write.',
    runbook: 'Check disk latency on the leader and the write load; throttle heavy writers.',
    enabled: true,
  },
  {
    name: 'etcdCommitApplyGapHigh',
    expr: 'min_over_time(commit_apply_gap[2m]) > 1000',
    for: 2 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: {{ $value }} committed entries not applied',
    description:
      '{{ $labels.member }} has applied {{ $value }} fewer entries than it committed (threshold {{ $threshold }}). At 5000 etcd rejects requests with "too many requests".',
    runbook: 'The apply loop is slow: expensive requests or a slow backend disk. Check backend commit latency and slow applies.',
    enabled: true,
  },
];
