import type { StatusResult } from '@etcd-monitor/etcd';

/** PeerSeries is what a member's metrics say about its link to one peer; a partition shows as inactive, failing or silent links. */
export interface PeerSeries {
  /** to is the peer's member id in hex, as etcd labels it. */
  to: string;
  /** active is whether the member's raft transport to the peer is up (etcd_network_active_peers). */
  active?: boolean;
  /** rttP99 is the p99 of the peer round-trip time over the window, in seconds. */
  rttP99?: number;
  /** rttP99Window is the p99 of the peer round-trip time over the last 5 minutes of scrapes, in seconds (see window-quantiles.ts). */
  rttP99Window?: number;
  /** sentFailuresRate is failed sends to the peer per second over the window. */
  sentFailuresRate?: number;
  /** receivedFailuresRate is failed receives from the peer per second over the window. */
  receivedFailuresRate?: number;
  /** sentBytesRate is bytes sent to the peer per second. */
  sentBytesRate?: number;
  /** receivedBytesRate is bytes received from the peer per second; 0 from a live peer hints at a one-way partition. */
  receivedBytesRate?: number;
  /** disconnects is how many times the link went down during the window. */
  disconnects?: number;
}

/** MemberFacts is what collectors have learned about one member; each collector fills in its own part. */
export interface MemberFacts {
  /** endpoint is the client URL watched. */
  endpoint: string;
  /** id is the member id, hex, once a status call has told it. */
  id: string | null;
  /** name is the member's name from the member list. */
  name: string | null;
  /** status is the last successful status answer; null while the member is down. */
  status: StatusResult | null;
  /** statusAt is when `status` or `error` was last set. */
  statusAt: number | null;
  /** statusLatencyMs is the round trip of the last status call. */
  statusLatencyMs: number | null;
  /** error is the last status failure; null after a success. */
  error: { message: string; code: string; hint?: string } | null;
  /** downSince is when the member stopped answering, for the UI. */
  downSince: number | null;
  /** memberIds is the member list as this member sees it (sorted hex ids). */
  memberIds: string[] | null;
  /** probe holds the last probe results. */
  probe: { at: number; linearizableMs: number | null; serializableMs: number | null; writeMs: number | null; linearizableOk: boolean; error: string | null } | null;
  /** metrics holds the last derived metric series. */
  metrics: { at: number; series: Record<string, number>; scrapeMs: number; peers: PeerSeries[] } | null;
  /** metricsError is the last scrape failure. */
  metricsError: string | null;
}
