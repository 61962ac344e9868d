import type { Cluster, Member } from '@etcd-monitor/monitor/contract';

/** maxOf returns the largest defined value of a member field, or null when no member has it. */
function maxOf(members: Member[], pick: (m: Member) => number | null | undefined): number | null {
  let best: number | null = null;
  for (const m of members) {
    const v = pick(m);
    if (v !== null && v !== undefined && Number.isFinite(v) && (best === null || v > best)) best = v;
  }
  return best;
}

/** ClusterFacts are the overview's figures of one cluster, each the worst (largest) across members. */
export interface ClusterFacts {
  dbSize: number | null;
  dbInUse: number | null;
  quota: number | null;
  quotaUsed: number | null;
}

/** clusterFacts derives db size and quota use from the members' status and metrics. */
export function clusterFacts(c: Cluster): ClusterFacts {
  const dbSize = maxOf(c.members, (m) => m.dbSize ?? m.metrics?.db_size_bytes);
  const dbInUse = maxOf(c.members, (m) => m.dbSizeInUse ?? m.metrics?.db_size_in_use_bytes);
  const quota = maxOf(c.members, (m) => m.metrics?.quota_bytes);
  // etcd's default quota is 2 GiB when the flag is 0 or the metric is not scraped yet (the health model does the same).
  const q = quota ?? 2 * 1024 ** 3;
  const quotaUsed = maxOf(c.members, (m) => m.metrics?.quota_used_ratio) ?? (dbSize !== null ? dbSize / q : null);
  return { dbSize, dbInUse, quota: q, quotaUsed };
}

const STATUS_RANK = { critical: 0, unreachable: 1, degraded: 2, healthy: 3 } as const;

/** compareClusters sorts the worst clusters first, then by name, so problems are on top. */
export function compareClusters(a: Cluster, b: Cluster): number {
  return STATUS_RANK[a.health.status] - STATUS_RANK[b.health.status] || a.name.localeCompare(b.name);
}

/** matchesSearch is a case-insensitive match on name, group, labels (k=v) and endpoints. */
export function matchesSearch(c: Cluster, q: string): boolean {
  const s = q.trim().toLowerCase();
  if (!s) return true;
  const hay = [c.name, c.group, ...c.endpoints, ...Object.entries(c.labels).map(([k, v]) => `${k}=${v}`), c.leaderName ?? ''].join(' ').toLowerCase();
  return s.split(/\s+/).every((w) => hay.includes(w));
}
