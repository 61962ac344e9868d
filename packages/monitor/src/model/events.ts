import type { Alarm, MemberInfo } from '@etcd-monitor/etcd';
import type { ClusterHealth } from './health.ts';

/** EventType is what happened in a cluster; EVENT_TYPES (events/detect.ts) lists them all for the API. */
export type EventType =
  | 'leader_elected'
  | 'leader_changed'
  | 'leader_lost'
  | 'member_added'
  | 'member_removed'
  | 'member_promoted'
  | 'member_down'
  | 'member_up'
  | 'quorum_lost'
  | 'quorum_regained'
  | 'alarm_raised'
  | 'alarm_cleared'
  | 'split_brain'
  | 'split_brain_resolved'
  | 'cluster_unreachable'
  | 'cluster_reachable'
  | 'finding_raised'
  | 'finding_cleared';

/** ClusterEvent is one change in a cluster's state, as stored and served by the API. */
export interface ClusterEvent {
  /** time is when the monitor observed the change, ms since the epoch. */
  time: number;
  /** cluster is the cluster's name. */
  cluster: string;
  /** type is what happened. */
  type: EventType;
  /** member names the member concerned, when there is one. */
  member?: string;
  /** message says what happened in one line. */
  message: string;
  /** details hold the evidence, such as the old and new leader ids. */
  details?: Record<string, unknown>;
}

/** EventState is what event detection compares between two passes. */
export interface EventState {
  /** health is the pass's health verdict. */
  health: ClusterHealth;
  /** leader is the effective leader: the agreed one, and only while the monitor can reach it. */
  leader: string | null;
  /** lastLeader is the most recent leader ever seen, kept across leaderless passes. */
  lastLeader: string | null;
  /** members maps a member's label (name, else id, else endpoint) to whether it answers. */
  members: Map<string, boolean>;
  /** memberList is the cluster's member list, when known. */
  memberList: MemberInfo[] | null;
  /** alarms are the active alarms, when known. */
  alarms: Alarm[] | null;
  /** names maps member ids (hex) to names, from the members' own answers. */
  names?: Map<string, string>;
}

/** StoredEvent is one monitor event (leader_changed, member_down …) as stored and returned. */
export interface StoredEvent {
  /** id is assigned by the store on append; ids grow and are never reused. */
  id?: number;
  /** time is when the event happened, in ms since the epoch. */
  time: number;
  /** cluster is the cluster the event is about. */
  cluster: string;
  /** type is the event kind, e.g. `leader_changed`. */
  type: string;
  /** member is the member the event is about, when there is one. */
  member?: string;
  /** message is the one-line human description. */
  message: string;
  /** details holds structured, JSON-serialisable data about the event. */
  details?: Record<string, unknown>;
}
