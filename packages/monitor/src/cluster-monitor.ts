import { readFileSync } from 'node:fs';
import { errorMessage, startLoop, type Loop } from '@etcd-monitor/core';
import { MemberClient, alarmsFromStatus, type Alarm, type ConnectionOptions, type MemberInfo } from '@etcd-monitor/etcd';
import type { ClusterConfig } from './model/config.ts';
import type { ClusterSnapshot, SampleInput } from './model/cluster.ts';
import type { MemberFacts } from './model/member.ts';
import type { Collector, CollectorResult } from './collectors/collector.ts';
import { duplicateClusterFinding, evaluateHealth, withFindings, type MemberObservation } from './health/health.ts';
import { detectEvents, type ClusterEvent, type EventState } from './events/detect.ts';

export type { ClusterSnapshot, SampleInput } from './model/cluster.ts';

/** ClusterMonitorDeps are the monitor's outlets: where samples, events and updates go. */
export interface ClusterMonitorDeps {
  /** collectors are the per-member collectors to run. */
  collectors: Collector[];
  /** onSamples receives every batch of samples (one member's, or the cluster's), with the member's label (its name once known) for what shows it by name. */
  onSamples(samples: SampleInput[], label?: string): void;
  /** onEvent receives every detected event. */
  onEvent(e: ClusterEvent): void;
  /** onUpdate receives the snapshot after every health evaluation. */
  onUpdate(s: ClusterSnapshot): void;
  /** onRemoved is told when a cluster is removed, to drop its live gauges. */
  onRemoved?(name: string): void;
  /** onError receives failures that are not a member's state (bugs, store errors). */
  onError?(err: unknown): void;
  /** sameClusterAs names the other configured clusters whose members report this etcd cluster id. */
  sameClusterAs?(name: string, clusterId: string): string[];
}

// While a cluster has no leader or has lost a member, poll faster so the recovery is seen within a fraction of a second.
const FAST_POLL_MS = 250;

// The Alarm RPC is a raft proposal in etcd 3.4 (a WAL entry and an fsync on every member). Alarms come from the Status
// answers instead; the RPC is the fallback for answers that cannot list them, and then at most this often.
const ALARM_RPC_EVERY_MS = 60_000;

/** connectionFor resolves a cluster config into connection options (reading its TLS files). */
export function connectionFor(c: ClusterConfig): ConnectionOptions {
  const opts: ConnectionOptions = { endpoints: c.endpoints, dialTimeoutMs: c.timeoutMs, commandTimeoutMs: c.timeoutMs };
  if (c.endpoints.some((e) => e.startsWith('https://'))) {
    opts.tls = {
      ...(c.cacert ? { ca: readFileSync(c.cacert) } : {}),
      ...(c.cert ? { cert: readFileSync(c.cert) } : {}),
      ...(c.key ? { key: readFileSync(c.key) } : {}),
      insecureSkipVerify: c.insecureSkipTlsVerify,
    };
  }
  if (c.user) opts.auth = { username: c.user, password: c.password ?? '' };
  return opts;
}

interface Watched {
  facts: MemberFacts;
  client: MemberClient;
  loops: Loop[];
  stops: Array<() => Promise<void>>;
}

/**
 * ClusterMonitor watches every member of one cluster: one pinned client and one loop per collector per member (so a
 * frozen member delays nothing but its own loops), plus a cluster loop for alarms and membership. Each change is
 * evaluated into health and events at once.
 */
export class ClusterMonitor {
  /** config is the cluster's configuration. */
  readonly config: ClusterConfig;
  private readonly deps: ClusterMonitorDeps;
  private readonly conn: ConnectionOptions;
  private readonly watched = new Map<string, Watched>();
  private clusterLoop: Loop | undefined;
  private memberList: MemberInfo[] | null = null;
  private alarms: Alarm[] | null = null;
  private rpcAlarms: { at: number; alarms: Alarm[] } | null = null;
  private prevState: EventState | undefined;
  private lastLeader: string | null = null;
  private current: ClusterSnapshot;
  private evalQueued = false;
  private stopped = false;
  private startedAt = Date.now();

  constructor(config: ClusterConfig, deps: ClusterMonitorDeps) {
    this.config = config;
    this.deps = deps;
    this.conn = connectionFor(config);
    this.current = {
      name: config.name,
      group: config.group,
      labels: config.labels,
      endpoints: config.endpoints,
      at: Date.now(),
      health: { status: 'unreachable', verdict: 'no quorum', leader: null, findings: [{ code: 'starting', severity: 'info', message: 'waiting for the first answers' }] },
      leader: null,
      members: [],
      memberList: null,
      alarms: null,
      clusterId: null,
    };
  }

  /** start begins watching the seed endpoints; members found in the member list are added as they appear. */
  start(): void {
    this.startedAt = Date.now();
    for (const ep of this.config.endpoints) this.watch(ep);
    this.clusterLoop = startLoop(() => this.pollCluster(), { intervalMs: () => this.pollInterval(), onError: (e) => this.deps.onError?.(e) });
  }

  /** stop ends every loop and closes every client; it is safe after a partial start. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.clusterLoop?.stop();
    await Promise.all([...this.watched.values()].map((w) => this.unwatch(w)));
    this.watched.clear();
  }

  /** snapshot returns the latest state. */
  snapshot(): ClusterSnapshot {
    return this.current;
  }

  private pollInterval(): number {
    const h = this.current.health;
    return h.verdict === 'healthy' || h.status === 'healthy' ? this.config.statusIntervalMs : Math.min(FAST_POLL_MS, this.config.statusIntervalMs);
  }

  private watch(endpoint: string): void {
    if (this.watched.has(endpoint) || this.stopped) return;
    const client = new MemberClient(endpoint, this.conn);
    const facts: MemberFacts = {
      endpoint,
      id: null,
      name: null,
      status: null,
      statusAt: null,
      statusLatencyMs: null,
      error: null,
      downSince: null,
      memberIds: null,
      probe: null,
      metrics: null,
      metricsError: null,
    };
    const w: Watched = { facts, client, loops: [], stops: [] };
    this.watched.set(endpoint, w);
    const i = this.config.endpoints.indexOf(endpoint);
    const metricsUrl = (i >= 0 ? this.config.metricsUrls[i] : undefined) ?? `${endpoint}/metrics`;
    for (const c of this.deps.collectors) {
      if (c.intervalMs(this.config) <= 0) continue;
      const inst = c.create({
        cluster: this.config,
        connection: this.conn,
        client,
        facts,
        metricsUrl,
      });
      // The status collector speeds up with the cluster loop while something is wrong.
      const interval = c.name === 'status' ? () => this.pollInterval() : c.intervalMs(this.config);
      w.loops.push(startLoop(async () => this.apply(facts, await inst.run()), { intervalMs: interval, onError: (e) => this.deps.onError?.(e) }));
      if (inst.stop) w.stops.push(inst.stop);
    }
  }

  private async unwatch(w: Watched): Promise<void> {
    await Promise.all(w.loops.map((l) => l.stop()));
    await Promise.all(w.stops.map((s) => s()));
    w.client.close();
  }

  /** apply merges a collector run's slice into the member's facts (the one place they are written), records its series and queues an evaluation when asked. */
  private apply(facts: MemberFacts, r: CollectorResult): void {
    Object.assign(facts, r.facts);
    if (r.series) this.sample(facts, r.series, r.at ?? Date.now());
    if (r.changed) this.queueEvaluation();
  }

  private sample(facts: MemberFacts, series: Record<string, number>, at: number): void {
    // Series are keyed by member id: known from the first Status answer, unique, and unchanged when the name changes
    // (or is learned later). Until the member has told its id, its samples have no identity and are dropped.
    if (!facts.id) return;
    const member = facts.id;
    const out: SampleInput[] = [];
    for (const [name, v] of Object.entries(series)) if (Number.isFinite(v)) out.push({ series: name, cluster: this.config.name, member, t: at, v });
    if (out.length) this.deps.onSamples(out, facts.name || facts.id);
  }

  /**
   * pollCluster reads the member list from a member that answers and follows membership changes. Nothing here writes
   * to etcd: the member list is local state, and alarms come from the Status answers (see alarmsNow); only when those
   * cannot list alarms is the Alarm RPC called, at most once a minute.
   */
  private async pollCluster(): Promise<void> {
    const up = [...this.watched.values()].filter((w) => w.facts.status);
    const leaderFirst = up.sort((a, b) => Number(b.facts.status!.leader === b.facts.status!.id) - Number(a.facts.status!.leader === a.facts.status!.id));
    for (const w of leaderFirst) {
      try {
        const list = await w.client.memberList({ timeoutMs: this.config.timeoutMs });
        this.memberList = list;
        this.followMembership(list);
        break;
      } catch {
        // Try the next member, and keep the last known list when none can answer.
      }
    }
    const fromStatus = alarmsFromStatus(up.map((w) => w.facts.status!));
    if (up.length > 0 && !fromStatus.complete && Date.now() - (this.rpcAlarms?.at ?? 0) >= ALARM_RPC_EVERY_MS) {
      for (const w of leaderFirst) {
        try {
          this.rpcAlarms = { at: Date.now(), alarms: await w.client.alarms({ timeoutMs: this.config.timeoutMs }) };
          break;
        } catch {
          // Alarms need consensus: try the next member.
        }
      }
    }
    this.evaluate(true);
  }

  /** alarmsNow reads the active alarms from the members' latest Status answers; the last known list while none answers. */
  private alarmsNow(facts: MemberFacts[]): Alarm[] | null {
    const up = facts.filter((f) => f.status);
    if (up.length === 0) return this.alarms;
    const fromStatus = alarmsFromStatus(up.map((f) => f.status!));
    return fromStatus.complete ? fromStatus.alarms : (this.rpcAlarms?.alarms ?? fromStatus.alarms);
  }

  private followMembership(list: MemberInfo[]): void {
    for (const m of list) {
      const w = [...this.watched.values()].find((x) => x.facts.id === m.id);
      if (w) {
        w.facts.name = m.name || w.facts.name;
        continue;
      }
      const url = m.clientURLs[0];
      if (url && !this.watched.has(url)) this.watch(url);
    }
    // A member removed from the cluster is no longer watched, unless it is a configured seed.
    const ids = new Set(list.map((m) => m.id));
    for (const [ep, w] of this.watched) {
      if (w.facts.id && !ids.has(w.facts.id) && !this.config.endpoints.includes(ep)) {
        this.watched.delete(ep);
        void this.unwatch(w);
      }
    }
  }

  private queueEvaluation(): void {
    if (this.evalQueued || this.stopped) return;
    this.evalQueued = true;
    setImmediate(() => {
      this.evalQueued = false;
      try {
        this.evaluate();
      } catch (err) {
        this.deps.onError?.(err);
      }
    });
  }

  private evaluate(recordClusterSeries = false): void {
    if (this.stopped) return;
    const now = Date.now();
    const all = [...this.watched.values()].map((w) => w.facts);
    // Until every member has answered or failed once (or the grace period ends), a verdict would be a guess and its
    // events noise ("quorum regained" at every start).
    if (all.some((f) => f.statusAt === null) && now - this.startedAt < Math.max(3000, 2 * this.config.timeoutMs)) return;
    const facts = all.filter((f) => f.statusAt !== null);
    // Members known only from seeds that turned out to be duplicates of listed members are shown once.
    const observations: MemberObservation[] = facts.map((f) => ({
      endpoint: f.endpoint,
      id: f.id,
      name: f.name,
      status: f.status,
      error: f.error,
      linearizableOk: f.probe ? f.probe.linearizableOk : null,
      probeError: f.probe?.error ?? null,
      memberIds: f.memberIds,
      metrics: f.metrics?.series ?? null,
      metricsAt: f.metrics?.at ?? null,
      peers: f.metrics?.peers ?? null,
      downSince: f.downSince,
    }));
    this.alarms = this.alarmsNow(facts);
    const clusterId = mostReported(facts.map((f) => f.status?.clusterId)) ?? this.current.clusterId ?? null;
    const copies = clusterId ? (this.deps.sameClusterAs?.(this.config.name, clusterId) ?? []) : [];
    const own = evaluateHealth(observations, this.memberList, this.alarms);
    const health = copies.length > 0 ? withFindings(own, [duplicateClusterFinding(clusterId!, copies)]) : own;
    // The leader counts only while the monitor can reach it: a killed leader is lost now, not when its peers notice.
    const leaderFacts = facts.find((f) => f.id && f.id === health.leader);
    const leader = health.leader && leaderFacts?.status ? health.leader : null;
    if (leader) this.lastLeader = leader;
    const state: EventState = {
      health,
      leader,
      lastLeader: this.lastLeader,
      members: new Map(facts.map((f) => [f.name || f.id || f.endpoint, f.status !== null])),
      memberList: this.memberList,
      alarms: this.alarms,
      names: new Map(facts.filter((f) => f.id && f.name).map((f) => [f.id!, f.name!])),
    };
    const events = detectEvents(this.prevState, state, this.config.name, now);
    this.prevState = state;
    this.current = {
      name: this.config.name,
      group: this.config.group,
      labels: this.config.labels,
      endpoints: this.config.endpoints,
      at: now,
      health,
      leader,
      members: facts,
      memberList: this.memberList,
      alarms: this.alarms,
      clusterId,
    };
    const statusCode = { healthy: 0, degraded: 1, critical: 2, unreachable: 3 }[health.status];
    // Cluster-level series follow the cluster loop's pace, not every member answer.
    if (recordClusterSeries)
      this.deps.onSamples([
        { series: 'health_status', cluster: this.config.name, member: '', t: now, v: statusCode },
        { series: 'members_up', cluster: this.config.name, member: '', t: now, v: facts.filter((f) => f.status).length },
        { series: 'members_total', cluster: this.config.name, member: '', t: now, v: this.memberList?.length ?? facts.length },
        { series: 'has_leader', cluster: this.config.name, member: '', t: now, v: leader ? 1 : 0 },
      ]);
    for (const e of events) {
      try {
        this.deps.onEvent(e);
      } catch (err) {
        this.deps.onError?.(new Error(`recording event ${e.type} failed: ${errorMessage(err)}`));
      }
    }
    this.deps.onUpdate(this.current);
  }
}

function mostReported(values: Array<string | null | undefined>): string | null {
  const counts = new Map<string, number>();
  for (const v of values) if (v && v !== '0') counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | null = null;
  for (const [v, n] of counts) if (best === null || n > counts.get(best)!) best = v;
  return best;
}
