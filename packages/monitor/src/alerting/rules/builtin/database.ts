import type { Rule } from '../rule.ts';

/** DATABASE_RULES cover the backend database: quota, growth, fragmentation, and the NOSPACE and CORRUPT alarms. */
export const DATABASE_RULES: readonly Rule[] = [
  {
    name: 'etcdDatabaseQuotaLowSpace',
    expr: 'last_over_time(quota_used_ratio[5m]) * 100 > 95',
    for: 10 * 60_000,
    severity: 'critical',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: database uses {{ $value }}% of its quota',
    description:
      'The database of {{ $labels.member }} uses {{ $value }}% of --quota-backend-bytes (threshold {{ $threshold }}%). At 100% etcd raises NOSPACE and accepts no writes.',
    runbook: 'Compact old revisions, defragment one member at a time, or raise --quota-backend-bytes.',
    enabled: true,
  },
  {
    name: 'etcdExcessiveDatabaseGrowth',
    expr: 'predict_linear(db_size_bytes[4h], 4h) > quota_bytes',
    for: 10 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: database will reach its quota within 4 hours',
    description: 'At the growth of the last 4 hours, the database of {{ $labels.member }} reaches {{ $value | humanize1024 }} in 4 hours, above its quota.',
    runbook: 'Find the writer (mvcc put rate by key prefix); make sure auto-compaction runs; plan a defragmentation or a larger quota.',
    enabled: true,
  },
  {
    name: 'etcdDatabaseHighFragmentationRatio',
    expr: 'last_over_time(fragmentation_ratio[5m]) > 0.5 and db_size_in_use_bytes > 104857600',
    for: 10 * 60_000,
    severity: 'warning',
    labels: {},
    summary: 'etcd member {{ $labels.member }} of {{ $cluster }}: {{ $value | humanizePercentage }} of the database is free space',
    description:
      'The database file of {{ $labels.member }} is {{ $value | humanizePercentage }} unused space (threshold {{ $threshold | humanizePercentage }}); the quota counts the file size, not the used size.',
    runbook: 'Defragment the member (`etcdctl defrag --endpoints=<member>`), one member at a time.',
    enabled: true,
  },
  {
    name: 'etcdNoSpaceAlarm',
    expr: 'finding("alarm_nospace")',
    for: 0,
    severity: 'critical',
    labels: {},
    summary: 'etcd cluster {{ $cluster }}: NOSPACE alarm active on {{ $labels.member }}',
    description: 'The NOSPACE alarm is raised on {{ $labels.member }}: the cluster accepts only reads and deletes until it is disarmed.',
    runbook: 'Compact, defragment every member, then `etcdctl alarm disarm`.',
    enabled: true,
  },
  {
    name: 'etcdCorruptAlarm',
    expr: 'finding("alarm_corrupt")',
    for: 0,
    severity: 'critical',
    labels: {},
    summary: 'etcd cluster {{ $cluster }}: CORRUPT alarm active on {{ $labels.member }}',
    description: 'The CORRUPT alarm is raised on {{ $labels.member }}: its data diverges from its peers.',
    runbook: 'Stop writes, compare `etcdctl endpoint hashkv` across members, and replace the bad member from a snapshot.',
    enabled: true,
  },
];
