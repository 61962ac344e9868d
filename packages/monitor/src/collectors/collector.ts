import type { ConnectionOptions, MemberClient, StatusResult } from '@etcd-monitor/etcd';
import type { PeerSeries } from './metrics/derive.ts';
import type { ClusterConfig } from '../config.ts';

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

/** CollectorContext is what a collector gets for one member of one cluster. */
export interface CollectorContext {
  /** cluster is the cluster's configuration. */
  cluster: ClusterConfig;
  /** connection holds the cluster's resolved connection options (TLS material, credentials, timeouts). */
  connection: ConnectionOptions;
  /** client is the member's pinned client. */
  client: MemberClient;
  /** facts are the member's facts, which the collector updates in place. */
  facts: MemberFacts;
  /** metricsUrl is where the member's /metrics is scraped. */
  metricsUrl: string;
  /** sample records member-level series values at a time (ms). */
  sample(series: Record<string, number>, at: number): void;
  /** changed tells the cluster monitor that facts changed and health should be evaluated now. */
  changed(): void;
}

/** Collector gathers one kind of fact about a member on its own interval. */
export interface Collector {
  /** name identifies the collector in logs and its own metrics. */
  name: string;
  /** intervalMs is how often the collector runs for this cluster; 0 disables it. */
  intervalMs(cluster: ClusterConfig): number;
  /** create prepares the collector for one member and returns its run function (one call per interval, never overlapping) and an optional cleanup. */
  create(ctx: CollectorContext): { run(): Promise<void>; stop?(): Promise<void> };
}
