import { formatBytes } from '@etcd-monitor/core';
import { judge, type Alarm, type MemberInfo, type MemberRow } from '@etcd-monitor/etcd';
import type { ClusterHealth, Finding, HealthStatus, HealthThresholds, MemberObservation, Severity } from '../model/health.ts';

export type { ClusterHealth, Finding, HealthStatus, HealthThresholds, MemberObservation, Severity } from '../model/health.ts';

/** DEFAULT_THRESHOLDS are the thresholds used unless the config says otherwise. */
export const DEFAULT_THRESHOLDS: HealthThresholds = { lagEntries: 1000, quotaWarn: 0.8, quotaCritical: 0.95, fragmentationRatio: 0.5, fragmentationMinBytes: 100 * 1024 * 1024 };

// etcd's default --quota-backend-bytes, used until /metrics tells the real one.
const DEFAULT_QUOTA = 2 * 1024 ** 3;

/** evaluateHealth turns the members' latest observations into a verdict, a status and findings with evidence and hints. */
export function evaluateHealth(members: MemberObservation[], memberList: MemberInfo[] | null, alarms: Alarm[] | null, t: HealthThresholds = DEFAULT_THRESHOLDS): ClusterHealth {
  const rows: MemberRow[] = members.map(toRow);
  const judged = judge(rows, memberList, alarms, { allMembersAsked: true, lagThreshold: t.lagEntries });
  const findings: Finding[] = [];
  const label = (m: { name: string | null; id: string | null; endpoint: string }) => m.name || m.id || m.endpoint;
  const up = members.filter((m) => m.status);
  const voters = memberList ? memberList.filter((m) => !m.isLearner).length : members.length;
  const quorum = Math.floor(voters / 2) + 1;
  const quorumLost = judged.verdict === 'no quorum';

  if (up.length === 0) {
    const e = members[0]?.error;
    findings.push({
      code: 'cluster_unreachable',
      severity: 'critical',
      message: `no member of the cluster answers the monitor`,
      evidence: e ? `${e.message}` : undefined,
      hint: e?.hint ?? 'check that the endpoints are right and reachable from the monitor',
    });
    return { status: 'unreachable', verdict: judged.verdict, leader: null, findings };
  }
  if (quorumLost) {
    findings.push({
      code: 'quorum_lost',
      severity: 'critical',
      message: `quorum lost: ${up.length} of ${voters} voting members answer, ${quorum} needed`,
      evidence: judged.reasons[0],
      hint: 'bring the down members back; do not remove members while quorum is lost',
    });
  }
  if (judged.verdict === 'no leader')
    findings.push({
      code: 'no_leader',
      severity: 'critical',
      message: 'no member knows a leader',
      evidence: judged.reasons[0],
      hint: 'an election is under way or peers cannot reach each other; check peer connectivity and disk latency',
    });
  if (judged.verdict === 'split')
    findings.push({
      code: 'split_brain',
      severity: 'critical',
      message: 'split brain: members disagree on the leader',
      evidence: judged.reasons[0],
      hint: 'check the network between members; a partitioned old leader steps down after the election timeout',
    });

  for (const m of members) {
    if (m.error) {
      findings.push({
        code: 'member_down',
        severity: quorumLost ? 'critical' : 'warning',
        member: label(m),
        message: `${label(m)} is down`,
        evidence: m.error.message,
        hint: m.error.hint ?? 'check the member process and its host',
      });
      continue;
    }
    const s = m.status!;
    if (!quorumLost && judged.leader && (s.leader === '0' || !s.leader))
      findings.push({
        code: 'member_no_leader',
        severity: 'warning',
        member: label(m),
        message: `${label(m)} has no leader`,
        evidence: `term ${s.raftTerm}`,
        hint: 'the member may be cut off from its peers',
      });
    else if (judged.leader && s.leader !== judged.leader && s.leader !== '0') {
      findings.push({
        code: 'member_partitioned',
        severity: 'warning',
        member: label(m),
        message: `${label(m)} follows ${s.leader}, not the current leader ${judged.leader}`,
        evidence: `term ${s.raftTerm}`,
        hint: 'the member is partitioned from the majority',
      });
    }
    if (m.linearizableOk === false && !quorumLost)
      findings.push({
        code: 'member_unhealthy',
        severity: 'warning',
        member: label(m),
        message: `${label(m)} cannot serve linearizable reads`,
        evidence: m.probeError ?? undefined,
        hint: 'the member answers but cannot reach consensus: check its peer connectivity',
      });
  }
  const maxIndex = Math.max(...up.map((m) => m.status!.raftIndex));
  for (const m of up) {
    const behind = maxIndex - m.status!.raftAppliedIndex;
    if (behind > t.lagEntries)
      findings.push({
        code: 'member_lagging',
        severity: 'warning',
        member: label(m),
        message: `${label(m)} lags ${behind} entries behind`,
        evidence: `applied ${m.status!.raftAppliedIndex}, highest committed ${maxIndex}`,
        hint: 'a slow disk or an overloaded member; check WAL fsync and backend commit latency',
      });
  }
  // Partition inferred from peer metrics: the monitor reaches the member, but it is connected to fewer peers than the
  // monitor sees up. Members that are down are expected to be missing from everyone's peer list.
  const downSince = members.map((m) => m.downSince).filter((t): t is number => t !== null && t !== undefined);
  const freshAfter = downSince.length ? Math.max(...downSince) : 0;
  // A link is evidence about both ends: a member that every other reporting member has lost is the one cut off (or
  // just died before the monitor noticed), not they, so the finding names it instead of its peers.
  const fresh = up.filter((m) => m.metrics?.active_peers !== undefined && (m.metricsAt ?? 0) >= freshAfter);
  const lostBy = new Map<string, number>();
  for (const m of fresh) for (const p of m.peers ?? []) if (p.active === false) lostBy.set(p.to, (lostBy.get(p.to) ?? 0) + 1);
  const cutOff = new Set(up.filter((x) => x.id && fresh.filter((m) => m !== x).length >= 2 && lostBy.get(x.id) === fresh.filter((m) => m !== x).length).map((x) => x.id!));
  const partitioned = new Set<MemberObservation>();
  for (const m of fresh) {
    const active = m.metrics!.active_peers!;
    const lost = (m.peers ?? []).filter((p) => p.active === false);
    if (voters > 1 && active < up.length - 1) {
      if (lost.length > 0 && lost.every((p) => cutOff.has(p.to))) continue;
      partitioned.add(m);
    }
  }
  for (const x of up) if (x.id && cutOff.has(x.id)) partitioned.add(x);
  for (const m of partitioned) {
    const active = m.metrics?.active_peers;
    const message = cutOff.has(m.id ?? '')
      ? `${label(m)} is no longer connected to any of its peers that the monitor sees up`
      : `${label(m)} is connected to ${active} of the ${up.length - 1} peers the monitor sees up`;
    findings.push({
      code: 'member_partitioned',
      severity: 'warning',
      member: label(m),
      message,
      evidence: 'etcd_network_active_peers',
      hint: 'check the peer network (port 2380) between members',
    });
  }
  // The reverse: members the monitor cannot reach that their peers still talk to are a monitor-side network problem.
  // Only scrapes taken after the member went down count: older ones still show the link that just broke.
  const down = members.filter((m) => m.error);
  if (down.length > 0 && up.length > 0 && !quorumLost && up.every((m) => m.metrics?.active_peers === voters - 1 && (m.metricsAt ?? 0) > freshAfter)) {
    for (const m of down)
      findings.push({
        code: 'monitor_partitioned',
        severity: 'warning',
        member: label(m),
        message: `${label(m)} is unreachable from the monitor, but its peers are still connected to it`,
        hint: 'check the network between the monitor and this member',
      });
  }
  // A leader that does not answer the monitor: its followers still name it until the election timeout, then elect
  // another. Reported at once, so a lost leader is known within one poll rather than after the election.
  const leaderDown = judged.leader ? members.find((m) => m.id === judged.leader && m.error) : undefined;
  if (leaderDown && !quorumLost) {
    findings.push({
      code: 'leader_unreachable',
      severity: 'critical',
      member: label(leaderDown),
      message: `leader ${label(leaderDown)} does not answer; the other members still follow it`,
      evidence: leaderDown.error!.message,
      hint: 'an election starts after the election timeout; if no new leader appears within seconds, check peer connectivity',
    });
  }
  for (const a of alarms ?? []) {
    const who = members.find((m) => m.id === a.memberId);
    findings.push({
      code: `alarm_${a.alarm.toLowerCase()}`,
      severity: 'critical',
      member: who ? label(who) : a.memberId,
      message: `alarm ${a.alarm} active${who ? ` on ${label(who)}` : ''}`,
      hint:
        a.alarm === 'NOSPACE'
          ? 'the cluster accepts no writes: compact, defragment, then `etcdctl alarm disarm`'
          : 'data corruption detected: stop writes, compare hashKV across members, restore the bad member from a snapshot',
    });
  }
  const versions = new Set(up.map((m) => m.status!.version));
  if (versions.size > 1)
    findings.push({
      code: 'version_skew',
      severity: 'warning',
      message: `members run different etcd versions: ${[...versions].sort().join(', ')}`,
      hint: 'finish the rolling upgrade',
    });
  for (const m of up) {
    const s = m.status!;
    const quota = m.metrics?.quota_bytes ?? DEFAULT_QUOTA;
    const ratio = s.dbSize / quota;
    if (ratio >= t.quotaWarn) {
      findings.push({
        code: 'quota_high',
        severity: ratio >= t.quotaCritical ? 'critical' : 'warning',
        member: label(m),
        message: `${label(m)} database uses ${(ratio * 100).toFixed(0)}% of its quota`,
        evidence: `${formatBytes(s.dbSize)} of ${formatBytes(quota)}`,
        hint: 'compact old revisions and defragment, or raise --quota-backend-bytes',
      });
    }
    if (s.dbSize >= t.fragmentationMinBytes && s.dbSizeInUse > 0 && 1 - s.dbSizeInUse / s.dbSize >= t.fragmentationRatio) {
      findings.push({
        code: 'fragmented',
        severity: 'info',
        member: label(m),
        message: `${label(m)} database is ${((1 - s.dbSizeInUse / s.dbSize) * 100).toFixed(0)}% free space`,
        evidence: `${formatBytes(s.dbSizeInUse)} in use of ${formatBytes(s.dbSize)}`,
        hint: 'defragment the member (one member at a time) to return the space',
      });
    }
  }
  // Endpoints of one configured cluster that reach two etcd clusters: every verdict above mixes two clusters' facts.
  const clusterIds = new Map<string, string[]>();
  for (const m of up) if (m.status!.clusterId) clusterIds.set(m.status!.clusterId, [...(clusterIds.get(m.status!.clusterId) ?? []), label(m)]);
  if (clusterIds.size > 1) {
    findings.push({
      code: 'cluster_id_mismatch',
      severity: 'critical',
      message: 'the endpoints reach different etcd clusters',
      evidence: [...clusterIds].map(([id, who]) => `cluster ${id}: ${who.join(', ')}`).join('; '),
      hint: 'fix the endpoints: one configured cluster must name the members of one etcd cluster',
    });
  }
  const lists = up.map((m) => m.memberIds?.join(',')).filter((x): x is string => Boolean(x));
  if (new Set(lists).size > 1)
    findings.push({
      code: 'member_list_diverged',
      severity: 'critical',
      message: 'members report different member lists',
      evidence: [...new Set(lists)].join(' vs '),
      hint: 'a membership change did not reach every member; check for a partition',
    });

  return withFindings({ status: 'healthy', verdict: judged.verdict, leader: judged.leader, findings: [] }, findings);
}

/**
 * withFindings adds findings to a verdict, most severe first, and recomputes its status; an unreachable cluster stays
 * unreachable. For findings that need more than one cluster's facts (a cluster configured twice).
 */
export function withFindings(h: ClusterHealth, more: Finding[]): ClusterHealth {
  const findings = [...h.findings, ...more];
  const order: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
  findings.sort((a, b) => order[a.severity] - order[b.severity]);
  const status: HealthStatus =
    h.status === 'unreachable'
      ? 'unreachable'
      : findings.some((f) => f.severity === 'critical')
        ? 'critical'
        : findings.some((f) => f.severity === 'warning')
          ? 'degraded'
          : 'healthy';
  return { ...h, status, findings };
}

/** duplicateClusterFinding is the finding of a cluster whose etcd cluster id is also that of other configured clusters. */
export function duplicateClusterFinding(clusterId: string, others: string[]): Finding {
  const names = others.map((n) => `"${n}"`).join(', ');
  return {
    code: 'duplicate_cluster',
    severity: 'warning',
    message: `the same etcd cluster is also configured as ${names}`,
    evidence: `cluster id ${clusterId}`,
    hint: `every alert about this cluster is raised once per copy: remove ${others.length > 1 ? 'the copies' : 'one of the two'}, or fix the endpoints if they were meant to reach another cluster`,
  };
}

function toRow(m: MemberObservation): MemberRow {
  const s = m.status;
  return {
    endpoint: m.endpoint,
    id: m.id,
    name: m.name,
    version: s?.version ?? null,
    dbSize: s?.dbSize ?? null,
    dbSizeInUse: s?.dbSizeInUse ?? null,
    isLeader: s ? s.leader !== '0' && s.leader === s.id : null,
    leader: s?.leader ?? null,
    raftTerm: s?.raftTerm ?? null,
    raftIndex: s?.raftIndex ?? null,
    raftAppliedIndex: s?.raftAppliedIndex ?? null,
    isLearner: s?.isLearner ?? null,
    // Read-probe failures become per-member findings, not the verdict: a probe that failed during an election that
    // has since ended would otherwise report a quorum loss that is over.
    health: s !== null,
    latencyMs: null,
    error: m.error?.message ?? (m.linearizableOk === false ? m.probeError : null),
    errorCode: m.error?.code ?? null,
    hint: m.error?.hint ?? null,
    errors: s?.errors ?? [],
  };
}
