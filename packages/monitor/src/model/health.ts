import type { StatusResult, Verdict } from '@etcd-monitor/etcd';

/** HealthStatus is the cluster's colour: what an operator sees first. */
export type HealthStatus = 'healthy' | 'degraded' | 'critical' | 'unreachable';

/** Severity ranks a finding. */
export type Severity = 'critical' | 'warning' | 'info';

/** Finding is one thing wrong with a cluster: who, what, the evidence, and what to do. */
export interface Finding {
  /** code is a stable identifier of the kind of finding, such as `member_down`. */
  code: string;
  /** severity ranks the finding. */
  severity: Severity;
  /** member names the member concerned, when there is one. */
  member?: string;
  /** message says what is wrong, in one line. */
  message: string;
  /** evidence is the observation the finding rests on. */
  evidence?: string;
  /** hint is one line on what to do. */
  hint?: string;
}

/** ClusterHealth is the health model's verdict for one cluster. */
export interface ClusterHealth {
  /** status aggregates the findings. */
  status: HealthStatus;
  /** verdict is the etcd-level verdict, as `etcd-monitor status` prints it. */
  verdict: Verdict;
  /** leader is the agreed leader's id, hex. */
  leader: string | null;
  /** findings are sorted most severe first. */
  findings: Finding[];
}

/** MemberObservation is what the collectors last learned about one member. */
export interface MemberObservation {
  /** endpoint is the client URL watched. */
  endpoint: string;
  /** id is the member id, hex, once known. */
  id: string | null;
  /** name is the member name from the member list. */
  name: string | null;
  /** status is the last successful status answer, null while down. */
  status: StatusResult | null;
  /** error is the last status failure, null when the last status call succeeded. */
  error: { message: string; code: string; hint?: string } | null;
  /** linearizableOk tells whether the last linearizable read probe succeeded (null: not probed yet). */
  linearizableOk: boolean | null;
  /** probeError is the last probe failure. */
  probeError: string | null;
  /** memberIds is the member list as this member sees it (sorted hex ids), to catch diverging views. */
  memberIds: string[] | null;
  /** metrics are the last derived metric series, when scraped. */
  metrics: Record<string, number> | null;
  /** metricsAt is when `metrics` was scraped (ms). */
  metricsAt?: number | null;
  /** downSince is when the member stopped answering (ms), null while up. */
  downSince?: number | null;
  /** peers are the member's raft links by the peer's hex id (etcd_network_active_peers{Remote}), when scraped. */
  peers?: ReadonlyArray<{ to: string; active?: boolean }> | null;
}

/** HealthThresholds tune the findings; the defaults follow the etcd operations guide. */
export interface HealthThresholds {
  /** lagEntries is how far a member's applied index may trail the highest committed index. */
  lagEntries: number;
  /** quotaWarn is the db size / quota ratio for a warning. */
  quotaWarn: number;
  /** quotaCritical is the db size / quota ratio for a critical finding. */
  quotaCritical: number;
  /** fragmentationRatio is the unused share of the db file above which defragmentation is suggested. */
  fragmentationRatio: number;
  /** fragmentationMinBytes keeps fragmentation findings off small databases, where it does not matter. */
  fragmentationMinBytes: number;
}
