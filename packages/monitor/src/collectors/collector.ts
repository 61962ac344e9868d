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
  /** facts are the member's facts as of now, to read (a run reports its changes in its result instead of writing them). */
  facts: Readonly<MemberFacts>;
  /** metricsUrl is where the member's /metrics is scraped. */
  metricsUrl: string;
}

/** CollectorResult is what one run reports; the cluster monitor applies it, so collectors never write shared state. */
export interface CollectorResult {
  /** facts is the collector's slice of the member's facts; its keys replace the member's. */
  facts: Partial<MemberFacts>;
  /** series are member-level series values to record at `at`, once `facts` is applied (series are keyed by the member id). */
  series?: Record<string, number>;
  /** at is when the series were measured (ms). */
  at?: number;
  /** changed asks for the health model to be evaluated now rather than on its own tick. */
  changed?: boolean;
}

/** CollectorInstance is one collector running for one member. */
export interface CollectorInstance {
  /** run collects once (one call per interval, never overlapping) and reports what it found. */
  run(): Promise<CollectorResult>;
  /** stop releases what the instance holds (connections, timers). */
  stop?(): Promise<void>;
}

/** Collector gathers one kind of fact about a member on its own interval. Write one with `defineCollector`. */
export interface Collector {
  /** name identifies the collector in logs and its own metrics. */
  name: string;
  /** intervalMs is how often the collector runs for this cluster; 0 disables it. */
  intervalMs(cluster: ClusterConfig): number;
  /** create prepares the collector for one member. */
  create(ctx: CollectorContext): CollectorInstance;
}

/** defineCollector declares a collector: each run returns its slice of the member's facts and its series, which the cluster monitor applies. */
export function defineCollector(c: Collector): Collector {
  return c;
}
