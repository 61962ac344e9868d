import { join } from 'node:path';
import { AppError } from '@etcd-monitor/core';
import type { ClusterSnapshot } from '../cluster-monitor.ts';
import type { Store } from '../storage/types.ts';
import type { HistoryReader } from './rules/index.ts';
import { AlertEngine, type AlertHistory, type AlertHistoryQuery } from './engine/index.ts';
import { Dispatcher, Silences, type Silence, type SilenceStore } from './dispatch/index.ts';
import { createSender, type Sender } from './notify/index.ts';
import type { AlertingConfig } from './config.ts';
import { openOutbox, startDelivery, type Delivery, type DeliveryResult, type Outbox } from './delivery/index.ts';
import type { Alert } from './types.ts';

/** StoreAlertHistory keeps every alert start and resolution as documents of kind `alert`. */
class StoreAlertHistory implements AlertHistory {
  private readonly store: Store;
  constructor(store: Store) {
    this.store = store;
  }
  record(alert: Alert): void {
    this.store.putDoc('alert', `${alert.fingerprint}:${alert.activeAt}`, alert);
  }
  list(q: AlertHistoryQuery = {}): Alert[] {
    let all = this.store.listDocs('alert').map((d) => d.doc as Alert);
    if (q.cluster) all = all.filter((a) => a.labels.cluster === q.cluster);
    if (q.alertname) all = all.filter((a) => a.labels.alertname === q.alertname);
    if (q.fingerprint) all = all.filter((a) => a.fingerprint === q.fingerprint);
    if (q.since !== undefined) all = all.filter((a) => (a.endsAt ?? Infinity) >= q.since!);
    if (q.until !== undefined) all = all.filter((a) => a.activeAt <= q.until!);
    all.sort((a, b) => b.activeAt - a.activeAt);
    return all.slice(0, q.limit ?? 1000);
  }
}

/** StoreSilenceStore keeps silences as documents of kind `silence`, so they survive restarts. */
class StoreSilenceStore implements SilenceStore {
  private readonly store: Store;
  constructor(store: Store) {
    this.store = store;
  }
  load(): Silence[] {
    return this.store.listDocs('silence').map((d) => d.doc as Silence);
  }
  save(s: Silence): void {
    this.store.putDoc('silence', s.id, s);
  }
  remove(id: string): void {
    this.store.deleteDoc('silence', id);
  }
}

// One evaluation per cluster per second at most: each one reads stored history for the rules' windows, and a cluster
// in trouble is polled every 250 ms.
const EVAL_EVERY_MS = 1000;

/**
 * AlertingService runs the pipeline: cluster snapshots → AlertEngine (rules, lifecycle) → Dispatcher (routes, groups,
 * inhibition, silences) → durable outbox → delivery worker (retries, backoff, rate limits) → notifiers.
 */
export class AlertingService {
  /** engine evaluates rules into alerts. */
  readonly engine: AlertEngine;
  /** dispatcher groups and routes alerts into notifications. */
  readonly dispatcher: Dispatcher;
  /** silences mutes alerts by matchers. */
  readonly silences: Silences;
  /** outbox is the durable notification queue and delivery log. */
  readonly outbox: Outbox;
  /** history is every alert that fired, kept in the store. */
  readonly history: AlertHistory;
  /** config is the alerting configuration in force. */
  readonly config: AlertingConfig;
  private readonly senders = new Map<string, Sender>();
  private delivery: Delivery | undefined;
  private readonly lastEval = new Map<string, number>();
  private readonly pendingEval = new Map<string, NodeJS.Timeout>();
  private readonly latest = new Map<string, ClusterSnapshot>();
  private readonly lastCodes = new Map<string, string>();

  constructor(o: { store: Store; dataDir: string; config: AlertingConfig; externalUrl: string; onError?: (err: unknown) => void; onDelivery?: (r: DeliveryResult) => void }) {
    this.config = o.config;
    const history: HistoryReader = (series, cluster, member, from, to) =>
      o.store.query({ series, cluster, ...(member !== undefined ? { member } : {}), from, to }).points.find((p) => member === undefined || p.member === member)?.points ?? [];
    this.history = new StoreAlertHistory(o.store);
    this.engine = new AlertEngine({ rules: o.config.rules, history, alertHistory: this.history, onError: (err) => o.onError?.(err) });
    this.silences = new Silences({ store: new StoreSilenceStore(o.store) });
    this.outbox = openOutbox({ path: join(o.dataDir, 'outbox.db') });
    for (const c of o.config.channels) this.senders.set(c.name, createSender(c));
    this.dispatcher = new Dispatcher({
      routes: o.config.routes,
      inhibitRules: o.config.inhibitRules,
      silences: this.silences,
      externalUrl: o.externalUrl,
      // Committed to disk before the dispatcher moves on: a crash after this point still delivers.
      deliver: (n) => {
        this.outbox.enqueue(n);
        this.delivery?.kick();
      },
    });
    this.startDelivery(o.externalUrl, o.onDelivery, o.onError);
  }

  private startDelivery(externalUrl: string, onResult?: (r: DeliveryResult) => void, onError?: (err: unknown) => void): void {
    this.delivery = startDelivery({ outbox: this.outbox, channels: this.senders, externalUrl, ...(onResult ? { onResult } : {}), ...(onError ? { onError } : {}) });
    this.dispatcher.start(1000);
  }

  /**
   * observe takes a cluster's new snapshot and evaluates its rules at most once a second (the latest snapshot wins),
   * except that a change in the set of findings is evaluated at once: a leader loss can come and go within a second,
   * and a throttled evaluation would miss it.
   */
  observe(s: ClusterSnapshot): void {
    const codes = s.health.findings.map((f) => `${f.code}/${f.member ?? ''}`).sort().join(',');
    const changed = codes !== this.lastCodes.get(s.name);
    this.lastCodes.set(s.name, codes);
    this.latest.set(s.name, s);
    if (changed) {
      clearTimeout(this.pendingEval.get(s.name));
      this.pendingEval.delete(s.name);
      this.lastEval.set(s.name, Date.now());
      this.dispatcher.ingest(this.engine.evaluate(s));
      return;
    }
    if (this.pendingEval.has(s.name)) return;
    const wait = Math.max(0, (this.lastEval.get(s.name) ?? 0) + EVAL_EVERY_MS - Date.now());
    const t = setTimeout(() => {
      this.pendingEval.delete(s.name);
      this.lastEval.set(s.name, Date.now());
      const snap = this.latest.get(s.name);
      if (snap) this.dispatcher.ingest(this.engine.evaluate(snap));
    }, wait);
    t.unref();
    this.pendingEval.set(s.name, t);
  }

  /** forgetCluster resolves a removed cluster's alerts. */
  forgetCluster(name: string): void {
    this.latest.delete(name);
    this.dispatcher.ingest(this.engine.removeCluster(name));
  }

  /** channelNames lists the configured channels. */
  channelNames(): string[] {
    return this.config.channels.map((c) => c.name);
  }

  /** sendTest sends a test notification to one channel now and returns the logged attempt. */
  async sendTest(channel: string) {
    if (!this.senders.has(channel)) throw new AppError('MON_NOT_FOUND', `no channel named "${channel}"`, { hint: 'GET /api/v1/channels lists them' });
    return this.delivery!.sendTest(channel);
  }

  /** stop ends evaluation, dispatch and delivery (in-flight sends are logged as retries) and closes the outbox. */
  async stop(): Promise<void> {
    for (const t of this.pendingEval.values()) clearTimeout(t);
    this.pendingEval.clear();
    this.dispatcher.stop();
    await this.delivery?.stop();
    this.outbox.close();
  }
}
