import type { Alarm, MemberInfo } from '@etcd-monitor/etcd';
import type { ClusterHealth } from './health.ts';
import type { MemberFacts } from './member.ts';

/** SampleInput is one value of one series, as handed to the store. */
export interface SampleInput {
  /** series is the series name, such as `raft_index`. */
  series: string;
  /** cluster is the cluster's name. */
  cluster: string;
  /** member is the member's id (hex), which series are stored under; empty for cluster-level series. */
  member: string;
  /** t is the sample time, ms since the epoch. */
  t: number;
  /** v is the value. */
  v: number;
}

/** ClusterSnapshot is the cluster's current state as the API and the live stream present it. */
export interface ClusterSnapshot {
  /** name is the cluster's name. */
  name: string;
  /** group is the cluster's group. */
  group: string;
  /** labels are the cluster's labels. */
  labels: Record<string, string>;
  /** endpoints are the configured seed endpoints. */
  endpoints: string[];
  /** at is when the health was last evaluated. */
  at: number;
  /** health is the verdict with findings. */
  health: ClusterHealth;
  /** leader is the effective leader's id (hex), null while there is none the monitor can reach. */
  leader: string | null;
  /** members are the facts about every watched member. */
  members: MemberFacts[];
  /** memberList is the cluster's member list. */
  memberList: MemberInfo[] | null;
  /** alarms are the active alarms. */
  alarms: Alarm[] | null;
  /** clusterId is the etcd cluster id (hex, as etcdctl prints it in `member add`) most members report; the last known while none answers. */
  clusterId?: string | null;
}
