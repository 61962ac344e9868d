import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ClusterSnapshot } from './cluster-monitor.ts';
import type { ClusterEvent } from './events/detect.ts';

const HEALTH_CODE = { healthy: 0, degraded: 1, critical: 2, unreachable: 3 } as const;

/** MonitorMetrics is the monitor's own Prometheus view: cluster health, members, probes, collectors and storage. */
export interface MonitorMetrics {
  /** registry is what /metrics serves. */
  registry: Registry;
  /** observeSnapshot updates the per-cluster and per-member gauges. */
  observeSnapshot(s: ClusterSnapshot): void;
  /** observeEvent counts an event. */
  observeEvent(e: ClusterEvent): void;
  /** observeSamples counts samples handed to the store. */
  observeSamples(n: number): void;
  /** observeProbe records a probe latency in milliseconds. */
  observeProbe(cluster: string, member: string, kind: 'linearizable' | 'serializable' | 'write', ms: number): void;
  /** observeCollectorError counts a collector failure. */
  observeCollectorError(collector: string): void;
  /** forgetCluster drops a removed cluster's series. */
  forgetCluster(name: string): void;
}

/** createMonitorMetrics builds the registry with process metrics and the monitor's own families (prefix `etcd_monitor_`). */
export function createMonitorMetrics(): MonitorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'etcd_monitor_' });
  // prom-client names these gauges *_total, which promtool (rightly) rejects: a _total suffix promises a counter.
  for (const n of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) registry.removeSingleMetric(`etcd_monitor_${n}`);
  const health = new Gauge({
    name: 'etcd_monitor_cluster_health',
    help: 'Cluster health: 0 healthy, 1 degraded, 2 critical, 3 unreachable.',
    labelNames: ['cluster'],
    registers: [registry],
  });
  const hasLeader = new Gauge({
    name: 'etcd_monitor_cluster_has_leader',
    help: 'Whether the cluster has a leader the monitor can reach (1) or not (0).',
    labelNames: ['cluster'],
    registers: [registry],
  });
  const findings = new Gauge({ name: 'etcd_monitor_cluster_findings', help: 'Open findings by severity.', labelNames: ['cluster', 'severity'], registers: [registry] });
  const up = new Gauge({
    name: 'etcd_monitor_member_up',
    help: 'Whether the member answers its status call (1) or not (0).',
    labelNames: ['cluster', 'member'],
    registers: [registry],
  });
  const isLeader = new Gauge({
    name: 'etcd_monitor_member_is_leader',
    help: 'Whether the member is the cluster leader.',
    labelNames: ['cluster', 'member'],
    registers: [registry],
  });
  const dbSize = new Gauge({
    name: 'etcd_monitor_member_db_size_bytes',
    help: 'Backend database size reported by the member.',
    labelNames: ['cluster', 'member'],
    registers: [registry],
  });
  const statusLatency = new Gauge({
    name: 'etcd_monitor_member_status_latency_seconds',
    help: 'Round trip of the last status call.',
    labelNames: ['cluster', 'member'],
    registers: [registry],
  });
  const probe = new Histogram({
    name: 'etcd_monitor_probe_latency_seconds',
    help: "Latency of the monitor's read and write probes.",
    labelNames: ['cluster', 'member', 'kind'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const events = new Counter({ name: 'etcd_monitor_events_total', help: 'Cluster events recorded, by type.', labelNames: ['cluster', 'type'], registers: [registry] });
  const samples = new Counter({ name: 'etcd_monitor_store_samples_total', help: 'Samples handed to the store.', registers: [registry] });
  const collectorErrors = new Counter({
    name: 'etcd_monitor_collector_errors_total',
    help: "Collector runs that failed for a reason other than the member's state.",
    labelNames: ['collector'],
    registers: [registry],
  });
  const gauges = [health, hasLeader, findings, up, isLeader, dbSize, statusLatency];
  return {
    registry,
    observeSnapshot(s) {
      health.set({ cluster: s.name }, HEALTH_CODE[s.health.status]);
      hasLeader.set({ cluster: s.name }, s.leader ? 1 : 0);
      for (const sev of ['critical', 'warning', 'info'] as const) findings.set({ cluster: s.name, severity: sev }, s.health.findings.filter((f) => f.severity === sev).length);
      for (const m of s.members) {
        const member = m.name || m.id || m.endpoint;
        up.set({ cluster: s.name, member }, m.status ? 1 : 0);
        isLeader.set({ cluster: s.name, member }, m.id && m.id === s.leader ? 1 : 0);
        if (m.status) dbSize.set({ cluster: s.name, member }, m.status.dbSize);
        if (m.statusLatencyMs !== null) statusLatency.set({ cluster: s.name, member }, m.statusLatencyMs / 1000);
      }
    },
    observeEvent(e) {
      events.inc({ cluster: e.cluster, type: e.type });
    },
    observeSamples(n) {
      samples.inc(n);
    },
    observeProbe(cluster, member, kind, ms) {
      probe.observe({ cluster, member, kind }, ms / 1000);
    },
    observeCollectorError(collector) {
      collectorErrors.inc({ collector });
    },
    forgetCluster() {
      // Gauges are rebuilt from every snapshot within a second, so clearing them all drops only the removed cluster for good;
      // counters and histograms keep their history until restart, as Prometheus expects of counters.
      for (const g of gauges) g.reset();
    },
  };
}
