import type { ConnectionOptions, MemberClient } from '@etcd-monitor/etcd';
import type { ClusterConfig } from '../model/config.ts';
import type { MemberFacts } from '../model/member.ts';

export type { MemberFacts } from '../model/member.ts';

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
