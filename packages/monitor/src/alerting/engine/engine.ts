import { errorMessage } from '@etcd-monitor/core';
import type { ClusterSnapshot } from '../../cluster-monitor.ts';
import { evaluateExpr, snapshotScope, type HistoryReader, type Vector } from '../rules/evaluate.ts';
import { advance } from '../rules/lifecycle.ts';
import { ruleKey, type CompiledRule } from '../rules/rule.ts';
import { renderTemplate } from '../rules/template.ts';
import type { Alert } from '../types.ts';
import { fingerprint } from './fingerprint.ts';
import type { AlertHistory } from './history.ts';
import type { AlertStateStore } from './state.ts';

/** AlertEngineOptions configure an AlertEngine. */
export interface AlertEngineOptions {
  /** rules are the compiled rules; disabled ones are skipped. */
  rules: CompiledRule[];
  /** history reads stored series for range functions. */
  history: HistoryReader;
  /** alertHistory receives every alert when it starts firing and when it resolves. */
  alertHistory?: AlertHistory;
  /** now is the clock (ms); tests inject one. Default Date.now. */
  now?: () => number;
  /** resolvedRetentionMs is how long a resolved alert stays in `alerts({ resolved: true })`, for late readers; default 15 min. */
  resolvedRetentionMs?: number;
  /** onError is told when a rule fails to evaluate; its alerts keep their state until it evaluates again. */
  onError?(err: unknown, rule: CompiledRule): void;
  /** state persists pending and firing alerts; the engine restores them when it is created (see restore). */
  state?: AlertStateStore;
  /** forGracePeriodMs is the least time a restored pending alert waits before firing, capped at its rule's `for` (Prometheus's `for_grace_period`); default 10 min. */
  forGracePeriodMs?: number;
  /** outageToleranceMs is the longest downtime after which alerts are still restored (Prometheus's `for_outage_tolerance`); default 1 h. */
  outageToleranceMs?: number;
}

// How often the engine notes that it is alive: the restore measures the downtime from the last note.
const SEEN_EVERY_MS = 10_000;

/** RuleStatus is how a rule's last evaluation went, for `GET /api/v1/rules`. */
export interface RuleStatus {
  /** lastEvaluation is when the rule was last evaluated (ms). */
  lastEvaluation?: number;
  /** lastError is the last evaluation's error, absent after a success. */
  lastError?: string;
  /** active counts the rule's pending and firing alerts. */
  active: number;
}

interface Instance {
  alert: Alert;
  rule: string;
}

/**
 * AlertEngine evaluates rules against each cluster snapshot and moves every alert instance through
 * pending → firing → resolved, keyed by the fingerprint of its labels.
 */
export class AlertEngine {
  private rules: CompiledRule[];
  private readonly history: HistoryReader;
  private readonly alertHistory: AlertHistory | undefined;
  private readonly now: () => number;
  private readonly retention: number;
  private readonly onError: AlertEngineOptions['onError'];
  private readonly active = new Map<string, Instance>();
  private readonly resolved = new Map<string, Alert>();
  private readonly status = new Map<string, { lastEvaluation?: number; lastError?: string }>();
  private readonly state: AlertStateStore | undefined;
  private seenAt = 0;
  /** restoredEnded are the firing alerts the restore resolved (downtime past the outage tolerance); the dispatcher must hear of them. */
  readonly restoredEnded: Alert[] = [];

  constructor(o: AlertEngineOptions) {
    this.rules = o.rules;
    this.history = o.history;
    this.alertHistory = o.alertHistory;
    this.now = o.now ?? Date.now;
    this.retention = o.resolvedRetentionMs ?? 15 * 60_000;
    this.onError = o.onError;
    this.state = o.state;
    if (this.state) this.restore(o.forGracePeriodMs ?? 10 * 60_000, o.outageToleranceMs ?? 60 * 60_000);
  }

  /**
   * restore takes the saved alerts back after a restart, the way Prometheus restores `for` state: a firing alert keeps
   * firing (same activeAt and startsAt, so it is neither pending again nor notified again, and its history entry
   * continues) and resolves at the first evaluation that no longer finds it; a pending alert keeps the time it was
   * pending before the downtime (the downtime itself does not count, as nothing was observed) but waits at least the
   * grace period, capped at its `for`, before firing. After a downtime longer than the outage tolerance nothing is
   * restored. History entries still open from before (a crash between a resolve and its record, or an older version)
   * are closed at the start of the downtime.
   */
  private restore(grace: number, tolerance: number): void {
    const now = this.now();
    const { active, seenAt } = this.state!.load();
    const downAt = Math.min(now, seenAt ?? now);
    const stale = now - downAt > tolerance;
    const forOf = new Map(this.rules.map((r) => [ruleKey(r), r.for]));
    const kept = new Set<string>();
    for (const rec of active) {
      const a = rec.alert;
      if (stale || (a.state !== 'pending' && a.state !== 'firing')) {
        this.state!.remove(a.fingerprint);
        if (a.state === 'firing') {
          const ended: Alert = { ...a, state: 'resolved', endsAt: downAt };
          this.alertHistory?.record(ended);
          this.restoredEnded.push(ended);
        }
        continue;
      }
      let alert = a;
      if (a.state === 'pending') {
        const forMs = forOf.get(rec.rule) ?? 0;
        const spent = Math.max(0, downAt - a.activeAt);
        const wait = Math.max(forMs - spent, Math.min(forMs, grace));
        alert = { ...a, activeAt: now + wait - forMs };
        this.state!.save({ alert, rule: rec.rule });
      } else kept.add(`${a.fingerprint}@${a.activeAt}`);
      this.active.set(a.fingerprint, { alert, rule: rec.rule });
    }
    for (const h of this.alertHistory?.list({ limit: Number.MAX_SAFE_INTEGER }) ?? []) {
      if (h.state === 'firing' && h.endsAt === undefined && !kept.has(`${h.fingerprint}@${h.activeAt}`))
        this.alertHistory!.record({ ...h, state: 'resolved', endsAt: Math.max(downAt, h.startsAt ?? h.activeAt) });
    }
    this.state!.seen(now);
    this.seenAt = now;
  }

  /** setRules replaces the rule set (config reload, API edit); alerts of removed or disabled rules resolve or are dropped at once, and the resolved ones are returned. */
  setRules(rules: CompiledRule[]): Alert[] {
    this.rules = rules;
    const live = new Set(rules.filter((r) => r.enabled).map(ruleKey));
    const now = this.now();
    const out: Alert[] = [];
    for (const [fp, inst] of this.active) {
      if (live.has(inst.rule)) continue;
      const ended = this.end(fp, inst, now);
      if (ended) out.push(ended);
    }
    return out;
  }

  /** retainClusters resolves the alerts of every cluster not named (restored alerts of a cluster removed while the monitor was down) and returns them. */
  retainClusters(names: Iterable<string>): Alert[] {
    const keep = new Set(names);
    const gone = new Set([...this.active.values()].map((i) => i.alert.labels.cluster ?? '').filter((c) => !keep.has(c)));
    return [...gone].flatMap((c) => this.removeCluster(c));
  }

  /**
   * evaluate runs every enabled rule against one cluster's snapshot and returns that cluster's alerts: pending, firing,
   * and those resolved by this evaluation (what the dispatcher needs).
   */
  evaluate(snapshot: ClusterSnapshot): Alert[] {
    const now = this.now();
    const scope = snapshotScope(snapshot, this.history, now);
    const changed: Alert[] = [];
    // This cluster's alerts by rule, gathered in one pass: walking every active alert once per rule (rules × alerts of
    // all clusters, per evaluation) was the monitor's largest source of garbage at 50 clusters.
    const mine = new Map<string, string[]>();
    this.active.forEach((inst, fp) => {
      if (inst.alert.labels.cluster !== snapshot.name) return;
      const list = mine.get(inst.rule);
      if (list) list.push(fp);
      else mine.set(inst.rule, [fp]);
    });
    for (const rule of this.rules) {
      if (!rule.enabled) continue;
      const key = ruleKey(rule);
      let result: Vector;
      try {
        result = evaluateExpr(rule.ast, scope);
        this.status.set(key, { lastEvaluation: now });
      } catch (err) {
        this.status.set(key, { lastEvaluation: now, lastError: errorMessage(err) });
        this.onError?.(err, rule);
        for (const fp of mine.get(key) ?? []) changed.push(this.active.get(fp)!.alert);
        continue;
      }
      const seen = new Set<string>();
      for (const [member, value] of result) {
        const labels: Record<string, string> = { ...rule.labels, alertname: rule.name, severity: rule.severity, cluster: snapshot.name, ...(member ? { member } : {}) };
        const fp = fingerprint(labels);
        seen.add(fp);
        const prev = this.active.get(fp)?.alert;
        const next = advance(
          prev && prev.state !== 'resolved' ? { state: prev.state, activeAt: prev.activeAt, ...(prev.startsAt !== undefined ? { startsAt: prev.startsAt } : {}) } : undefined,
          true,
          now,
          rule.for,
        );
        if (next === undefined || next === 'resolved') continue;
        const alert: Alert = {
          fingerprint: fp,
          labels,
          annotations: this.annotate(rule, labels, value),
          state: next.state,
          value,
          activeAt: next.activeAt,
          ...(next.startsAt !== undefined ? { startsAt: next.startsAt } : {}),
        };
        this.active.set(fp, { alert, rule: key });
        this.resolved.delete(fp);
        if (!prev || prev.state !== alert.state || prev.activeAt !== alert.activeAt) this.state?.save({ alert, rule: key });
        if (alert.state === 'firing' && prev?.state !== 'firing') this.alertHistory?.record(alert);
        changed.push(alert);
      }
      for (const fp of mine.get(key) ?? []) {
        const inst = this.active.get(fp);
        if (!inst || seen.has(fp)) continue;
        const ended = this.end(fp, inst, now);
        if (ended) changed.push(ended);
      }
    }
    this.prune(now);
    if (this.state && now - this.seenAt >= SEEN_EVERY_MS) {
      this.state.seen(now);
      this.seenAt = now;
    }
    return changed;
  }

  /** removeCluster resolves the alerts of a cluster that is no longer monitored and returns them. */
  removeCluster(name: string): Alert[] {
    const now = this.now();
    const out: Alert[] = [];
    for (const [fp, inst] of this.active) {
      if (inst.alert.labels.cluster !== name) continue;
      const ended = this.end(fp, inst, now);
      if (ended) out.push(ended);
    }
    return out;
  }

  /** alerts lists pending and firing alerts (and recently resolved ones when asked), oldest first. */
  alerts(filter: { cluster?: string; state?: Alert['state']; resolved?: boolean } = {}): Alert[] {
    const all = [...[...this.active.values()].map((i) => i.alert), ...(filter.resolved || filter.state === 'resolved' ? this.resolved.values() : [])];
    return all
      .filter((a) => (filter.cluster === undefined || a.labels.cluster === filter.cluster) && (filter.state === undefined || a.state === filter.state))
      .sort((a, b) => a.activeAt - b.activeAt || a.fingerprint.localeCompare(b.fingerprint));
  }

  /** ruleStatus reports each rule's last evaluation, keyed by `name/severity`. */
  ruleStatus(): Map<string, RuleStatus> {
    const out = new Map<string, RuleStatus>();
    for (const r of this.rules) out.set(ruleKey(r), { ...this.status.get(ruleKey(r)), active: 0 });
    for (const inst of this.active.values()) {
      const s = out.get(inst.rule);
      if (s) s.active++;
    }
    return out;
  }

  private annotate(rule: CompiledRule, labels: Record<string, string>, value: number): Alert['annotations'] {
    const d = { labels, value, threshold: rule.threshold, runbook: rule.runbook };
    return {
      summary: renderTemplate(rule.summary, d),
      ...(rule.description ? { description: renderTemplate(rule.description, d) } : {}),
      ...(rule.runbook ? { runbook: renderTemplate(rule.runbook, d) } : {}),
    };
  }

  // A firing alert resolves (and is kept for history); a pending one never fired, so it just goes.
  private end(fp: string, inst: Instance, now: number): Alert | undefined {
    this.active.delete(fp);
    this.state?.remove(fp);
    if (inst.alert.state !== 'firing') return undefined;
    const alert: Alert = { ...inst.alert, state: 'resolved', endsAt: now };
    this.resolved.set(fp, alert);
    this.alertHistory?.record(alert);
    return alert;
  }

  private prune(now: number): void {
    for (const [fp, a] of this.resolved) if ((a.endsAt ?? 0) < now - this.retention) this.resolved.delete(fp);
  }
}
