/** HealthStatus is a cluster's colour on the overview. */
export type HealthStatus = 'healthy' | 'degraded' | 'critical' | 'unreachable';

/** Severity ranks a finding. */
export type Severity = 'critical' | 'warning' | 'info';

/** Finding is one thing wrong with a cluster, with its evidence and a hint. */
export interface Finding {
  code: string;
  severity: Severity;
  member?: string;
  message: string;
  evidence?: string;
  hint?: string;
}

/** Probe is a member's last read/write probe result. */
export interface Probe {
  at: number;
  linearizableMs: number | null;
  serializableMs: number | null;
  writeMs: number | null;
  linearizableOk: boolean;
  error: string | null;
}

/** MemberError is a member's last status failure, with the monitor's code and hint. */
export interface MemberError {
  message: string;
  code: string;
  hint?: string;
}

/** Member is one member as `GET /api/v1/clusters` returns it. */
export interface Member {
  endpoint: string;
  id: string | null;
  /** name is null until the member list has told it (never for a member the monitor has not reached). */
  name: string | null;
  up: boolean;
  isLeader: boolean;
  leader: string | null;
  version: string | null;
  dbSize: number | null;
  dbSizeInUse: number | null;
  raftTerm: number | null;
  raftIndex: number | null;
  raftAppliedIndex: number | null;
  isLearner: boolean | null;
  errors: string[];
  /** latencyMs is the last status round trip; null while the member is down. */
  latencyMs: number | null;
  /** lastSeen is when the member last answered a status call; null while it is down. */
  lastSeen: number | null;
  downSince: number | null;
  error: MemberError | null;
  probe: Probe | null;
  metrics: Record<string, number> | null;
  /** metricsAt is when `metrics` was scraped (ms); values from a member that stopped answering keep their old time. */
  metricsAt: number | null;
  metricsError: string | null;
}

/** Cluster is one cluster as `GET /api/v1/clusters` and the SSE `cluster` frame carry it. */
export interface Cluster {
  name: string;
  group: string;
  labels: Record<string, string>;
  endpoints: string[];
  source: 'config' | 'api';
  /** clusterId is the etcd cluster id in hex; null until a member has answered. */
  clusterId: string | null;
  updatedAt: string;
  health: { status: HealthStatus; verdict: string; leader: string | null; findings: Finding[] };
  leader: string | null;
  leaderName: string | null;
  membersUp: number;
  membersTotal: number;
  alarms: Array<{ memberID?: string; alarm?: string }> | null;
  members: Member[];
}

/** MemberDetail is `GET /api/v1/clusters/NAME/members/MEMBER`: a member with its findings and series names. */
export interface MemberDetail extends Member {
  cluster: string;
  findings: Finding[];
  series: string[];
}

/** ClusterInput is the body of `POST /clusters`, `PUT /clusters/NAME` and `POST /clusters/test`. */
export interface ClusterInput {
  name: string;
  endpoints: string[];
  group?: string;
  labels?: Record<string, string>;
  cacert?: string;
  cert?: string;
  key?: string;
  insecure_skip_tls_verify?: boolean;
  user?: string;
  password?: string;
  write_probe?: boolean;
}
