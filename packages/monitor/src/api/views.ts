import type { ClusterSnapshot } from '../cluster-monitor.ts';
import type { MemberFacts } from '../collectors/collector.ts';
import type { ClusterDefinition, ClusterSource } from '../registry.ts';

/** memberView is the API's shape of one member: status facts, probe results and derived metrics; never credentials. */
export function memberView(f: MemberFacts, leader: string | null) {
  const s = f.status;
  return {
    endpoint: f.endpoint,
    id: f.id,
    name: f.name,
    up: s !== null,
    isLeader: s !== null && f.id !== null && f.id === leader,
    leader: s?.leader ?? null,
    version: s?.version ?? null,
    dbSize: s?.dbSize ?? null,
    dbSizeInUse: s?.dbSizeInUse ?? null,
    raftTerm: s?.raftTerm ?? null,
    raftIndex: s?.raftIndex ?? null,
    raftAppliedIndex: s?.raftAppliedIndex ?? null,
    isLearner: s?.isLearner ?? null,
    errors: s?.errors ?? [],
    // A down member has no current latency, and was last seen before it went down, not at the last failed call.
    latencyMs: s !== null ? f.statusLatencyMs : null,
    lastSeen: s !== null ? f.statusAt : null,
    downSince: f.downSince,
    error: f.error,
    probe: f.probe,
    metrics: f.metrics?.series ?? null,
    metricsAt: f.metrics?.at ?? null,
    metricsError: f.metricsError,
  };
}

/** clusterView is the API's shape of one cluster (the contract: name, health {status, findings}, members). */
export function clusterView(s: ClusterSnapshot & { source: ClusterSource }) {
  return {
    name: s.name,
    group: s.group,
    labels: s.labels,
    endpoints: s.endpoints,
    source: s.source,
    clusterId: s.clusterId ?? null,
    updatedAt: new Date(s.at).toISOString(),
    health: s.health,
    leader: s.leader,
    leaderName: s.members.find((m) => m.id === s.leader)?.name ?? null,
    membersUp: s.members.filter((m) => m.status).length,
    membersTotal: s.memberList?.length ?? s.members.length,
    alarms: s.alarms,
    members: s.members.map((m) => memberView(m, s.leader)),
  };
}

/**
 * clusterConfigView is a cluster's configuration as written (TOML keys), without its password, for editing forms:
 * intervals as the API client wrote them, else in milliseconds.
 */
export function clusterConfigView(d: ClusterDefinition) {
  const c = d.config;
  const asWritten = (key: string, ms: number) => {
    const v = d.source === 'api' ? d.raw[key] : undefined;
    return typeof v === 'string' ? v : `${ms}ms`;
  };
  return {
    name: c.name,
    endpoints: c.endpoints,
    group: c.group,
    labels: c.labels,
    ...(c.cacert ? { cacert: c.cacert } : {}),
    ...(c.cert ? { cert: c.cert } : {}),
    ...(c.key ? { key: c.key } : {}),
    insecure_skip_tls_verify: c.insecureSkipTlsVerify,
    ...(c.user ? { user: c.user } : {}),
    has_password: c.password !== undefined,
    metrics_urls: c.metricsUrls,
    status_interval: asWritten('status_interval', c.statusIntervalMs),
    probe_interval: asWritten('probe_interval', c.probeIntervalMs),
    metrics_interval: asWritten('metrics_interval', c.metricsIntervalMs),
    timeout: asWritten('timeout', c.timeoutMs),
    write_probe: c.writeProbe,
    source: d.source,
  };
}
