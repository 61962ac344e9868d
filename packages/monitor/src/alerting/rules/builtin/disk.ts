import type { Rule } from '../rule.ts';

// The mixin's quantiles are histogram_quantile(0.99, rate(…_bucket[5m])): one p99 of every operation of the last 5
// minutes (the *_p99_5m_seconds series). A worst-of-5-minutes of per-scrape p99s made one slow fsync among 2,000 fire.

/** DISK_RULES cover the write path's disk latency: WAL fsync, backend commit, slow applies. */
export const DISK_RULES: readonly Rule[] = [
  {
    name: 'etcdHighFsyncDurations',
    expr: 'wal_fsync_p99_5m_seconds > 0.5',
    for: 10 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: WAL fsync p99 is {{ $value }} s',
    description: 'The 99th percentile WAL fsync duration of {{ $labels.member }} over 5 minutes is {{ $value }} s (threshold {{ $threshold }} s). Every write waits for it.',
    runbook: 'Move the WAL to a dedicated low-latency SSD (--wal-dir); check for noisy neighbours on the disk.',
    enabled: true,
  },
  {
    name: 'etcdHighFsyncDurations',
    expr: 'wal_fsync_p99_5m_seconds > 1',
    for: 10 * 60_000,
    severity: 'critical',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: WAL fsync p99 is {{ $value }} s',
    description:
      'The 99th percentile WAL fsync duration of {{ $labels.member }} over 5 minutes is {{ $value }} s (threshold {{ $threshold }} s): heartbeats are delayed and elections follow.',
    runbook: 'Move the WAL to a dedicated low-latency SSD (--wal-dir); check for noisy neighbours on the disk.',
    enabled: true,
  },
  {
    name: 'etcdHighCommitDurations',
    expr: 'backend_commit_p99_5m_seconds > 0.25',
    for: 10 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: backend commit p99 is {{ $value }} s',
    description: 'The 99th percentile backend commit duration of {{ $labels.member }} over 5 minutes is {{ $value }} s (threshold {{ $threshold }} s).',
    runbook: "Check the data disk's latency; a large, fragmented database also slows commits (defragment).",
    enabled: true,
  },
  {
    name: 'etcdSlowApplies',
    expr: 'increase(slow_applies_total[10m]) > 10',
    for: 5 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: {{ $value }} slow applies in 10 minutes',
    description: 'Member {{ $labels.member }} took longer than 100 ms to apply {{ $value }} requests in 10 minutes.',
    runbook: 'Look for expensive requests (large ranges, big transactions) in the member log ("apply request took too long") and for a slow disk.',
    enabled: true,
  },
];
