import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AppError, formatIssue, parseDuration, type ConfigIssue } from '@etcd-monitor/core';
import type { ClusterSnapshot } from '../cluster-monitor.ts';
import type { Store } from '../storage/types.ts';
import { parseRule, peerEvidence, windowOf, type CompiledRule, type HistoryReader, type Rule, type Window } from './rules/index.ts';
import { AlertEngine, type ActiveAlertRecord, type AlertHistory, type AlertHistoryQuery, type AlertStateStore } from './engine/index.ts';
import { Dispatcher, Silences, readRoutes, routeTable, type Route, type Silence, type SilenceStore } from './dispatch/index.ts';
import { createSender, notifiers, parseChannel, redacted, type ChannelConfig, type RedactedChannel, type Sender } from './notify/index.ts';
import { fastCriticalRoutes, type AlertingConfig } from './config.ts';
import { RecentSeries } from './recent.ts';
import type { SecretBox } from '../secrets.ts';
import { openOutbox, startDelivery, type Delivery, type DeliveryResult, type Outbox } from './delivery/index.ts';
import type { Alert } from './types.ts';
import type { RoutesView } from '../api/contract.ts';

/** StoreAlertHistory keeps every alert start and resolution in the store's alert history table. */
class StoreAlertHistory implements AlertHistory {
  private readonly store: Store;
  constructor(store: Store) {
    this.store = store;
  }
  record(alert: Alert): void {
    this.store.recordAlert(alert);
  }
  list(q: AlertHistoryQuery = {}): Alert[] {
    return this.store.queryAlerts(q);
  }
}

/** StoreAlertStateStore keeps the engine's pending and firing alerts as documents of kind `alert_active`, so they survive a restart or kill -9. */
class StoreAlertStateStore implements AlertStateStore {
  private readonly store: Store;
  constructor(store: Store) {
    this.store = store;
  }
  load(): { active: ActiveAlertRecord[]; seenAt: number | undefined } {
    const seen = this.store.getDoc('alert_engine', 'seen') as { at?: number } | undefined;
    return { active: this.store.listDocs('alert_active').map((d) => d.doc as ActiveAlertRecord), seenAt: seen?.at };
  }
  save(rec: ActiveAlertRecord): void {
    this.store.putDoc('alert_active', rec.alert.fingerprint, rec);
  }
  remove(fingerprint: string): void {
    this.store.deleteDoc('alert_active', fingerprint);
  }
  seen(at: number): void {
    this.store.putDoc('alert_engine', 'seen', { at });
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

export type { RoutesView };

/** ChannelView is a channel as the API shows it: secrets as `[redacted]`, where it is defined and how many notifications wait for it. */
export type ChannelView = RedactedChannel & { source: 'config' | 'api'; pending: number };

// Where the API's routes are kept: one document holding the ordered list, as the config file holds [[routes]].
const ROUTES_DOC = { kind: 'routes', key: 'api' } as const;

/** applyRule returns rules with an API change applied: every variant named `name` takes the body's keys, or a new rule is added. */
function applyRule(rules: CompiledRule[], name: string, body: Record<string, unknown>): CompiledRule[] {
  const variants = rules.filter((r) => r.name === name);
  if (variants.length === 0) return [...rules, parseRule({ ...body, name }, undefined, 'body')];
  const changed = new Map<Rule, CompiledRule>(variants.map((v) => [v, parseRule({ ...body, name }, v, 'body')]));
  return rules.map((r) => changed.get(r) ?? r);
}

// After a start, a cluster's first evaluation waits (at most this long) until every member that answers has been
// scraped too: a restored alert that a half-collected snapshot does not show would be resolved, then fire again.
const FIRST_EVAL_WAIT_MS = 30_000;

// One evaluation per cluster every 5 s at most (Prometheus evaluates every 15–60 s): each one reads stored history for
// the rules' windows. A change in the findings is evaluated at once regardless (see observe).
const EVAL_EVERY_MS = 5000;

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
  /** config is the alerting configuration from the config file. */
  readonly config: AlertingConfig;
  private readonly store: Store;
  private readonly secrets: SecretBox | undefined;
  private rulesInForce: CompiledRule[];
  private channelsInForce: ChannelConfig[];
  private routesFromFile: boolean;
  private apiRoutes: { routes: Route[]; version: string } | undefined;
  private readonly senders = new Map<string, Sender>();
  private delivery: Delivery | undefined;
  private readonly lastEval = new Map<string, number>();
  private readonly pendingEval = new Map<string, NodeJS.Timeout>();
  private readonly latest = new Map<string, ClusterSnapshot>();
  private readonly lastCodes = new Map<string, string>();
  private readonly startedAt = Date.now();
  private readonly evaluated = new Set<string>();
  private readonly backfilled = new Set<string>();
  private readonly peerEvidenceAt = new Map<string, number>();
  /** recent holds the last 35 minutes of every sample for the rules' windows. */
  readonly recent = new RecentSeries(35 * 60_000);
  private readonly startOptions: { externalUrl: string; onResult?: (r: DeliveryResult) => void; onError?: (err: unknown) => void };
  private stopped = false;

  constructor(o: {
    store: Store;
    dataDir: string;
    config: AlertingConfig;
    externalUrl: string;
    secrets?: SecretBox;
    onError?: (err: unknown) => void;
    onDelivery?: (r: DeliveryResult) => void;
  }) {
    this.config = o.config;
    this.store = o.store;
    this.secrets = o.secrets;
    this.routesFromFile = o.config.routesFromFile;
    this.rulesInForce = o.config.rules;
    this.channelsInForce = [...o.config.channels];
    // Rules read windows of up to 35 minutes from memory (after a restart they warm up over their window, as rules do
    // after any gap in data); longer windows come from the store, cached for 5 minutes per series.
    const fromStore = new Map<string, { at: number; w: Window }>();
    const history: HistoryReader = (series, cluster, member, from, to) => {
      const span = to - from;
      if (span <= this.recent.spanOf(series)) {
        // After a restart the memory starts empty: windows reaching back before it are filled from the store once,
        // so a firing alert over a window is not resolved by a window that only holds the seconds since the start.
        if (from < this.recent.since) this.backfill(cluster, series);
        return this.recent.read(cluster, member ?? '', series, from, to);
      }
      const key = `${cluster}\u0000${member ?? ''}\u0000${series}\u0000${span}`;
      const ttl = 300_000;
      const hit = fromStore.get(key);
      const now = Date.now();
      if (hit && now - hit.at < ttl) return hit.w;
      const pts =
        o.store.query({ series, cluster, ...(member !== undefined ? { member } : {}), from, to }).points.find((p) => member === undefined || p.member === member)?.points ?? [];
      const w = windowOf(pts);
      fromStore.set(key, { at: now, w });
      return w;
    };
    this.history = new StoreAlertHistory(o.store);
    // The rules changed through the API are loaded first: restoring a pending alert needs its rule's `for` in force.
    this.loadStored(o.onError);
    this.engine = new AlertEngine({ rules: this.rulesInForce, history, alertHistory: this.history, state: new StoreAlertStateStore(o.store), onError: (err) => o.onError?.(err) });
    this.silences = new Silences({ store: new StoreSilenceStore(o.store) });
    this.outbox = openOutbox({ path: join(o.dataDir, 'outbox.db') });
    const ended = [...this.engine.restoredEnded, ...this.setRules(this.rulesInForce)];
    for (const c of this.channelsInForce) this.senders.set(c.name, createSender(c));
    this.dispatcher = new Dispatcher({
      routes: this.routes(),
      inhibitRules: o.config.inhibitRules,
      silences: this.silences,
      externalUrl: o.externalUrl,
      // Committed to disk before the dispatcher moves on: a crash after this point still delivers.
      deliver: (n) => {
        this.outbox.enqueue(n);
        this.delivery?.kick();
      },
    });
    this.dispatcher.restoreSent(this.outbox.lastSent());
    this.dispatcher.ingest(ended);
    this.startOptions = { externalUrl: o.externalUrl, ...(o.onDelivery ? { onResult: o.onDelivery } : {}), ...(o.onError ? { onError: o.onError } : {}) };
  }

  /** start starts the dispatcher's flush timer and delivery from the outbox (what the constructor restored waits until then); idempotent. */
  start(): void {
    if (this.delivery || this.stopped) return;
    this.delivery = startDelivery({ outbox: this.outbox, channels: this.senders, ...this.startOptions });
    this.dispatcher.start(1000);
  }

  /**
   * observe takes a cluster's new snapshot and evaluates its rules at most every 5 s (the latest snapshot wins),
   * except that a change in the set of findings is evaluated at once: a leader loss can come and go within a second,
   * and a throttled evaluation would miss it.
   */
  observe(s: ClusterSnapshot): void {
    this.recordPeerEvidence(s);
    if (!this.evaluated.has(s.name)) {
      const scraped = s.members.every((f) => !f.status || f.metrics || f.metricsError);
      if (!scraped && Date.now() - this.startedAt < FIRST_EVAL_WAIT_MS) return;
      this.evaluated.add(s.name);
    }
    const codes = s.health.findings
      .map((f) => `${f.code}/${f.member ?? ''}`)
      .sort()
      .join(',');
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

  /**
   * recordPeerEvidence stores what the members' peer metrics say about each member (peerEvidence) as that member's
   * series, once per newer scrape, so rules read it over windows and charts and replays find it in the store.
   */
  private recordPeerEvidence(s: ClusterSnapshot): void {
    const samples: Array<{ series: string; cluster: string; member: string; t: number; v: number }> = [];
    for (const e of peerEvidence(s.members)) {
      const key = `${s.name}\u0000${e.member}`;
      if ((this.peerEvidenceAt.get(key) ?? 0) >= e.t) continue;
      this.peerEvidenceAt.set(key, e.t);
      for (const [series, v] of Object.entries(e.series)) samples.push({ series, cluster: s.name, member: e.member, t: e.t, v });
    }
    if (samples.length === 0) return;
    this.store.append(samples);
    this.recent.add(samples);
  }

  /** addSamples feeds the rules' in-memory window with samples as they are collected. */
  addSamples(samples: Iterable<{ series: string; cluster: string; member: string; t: number; v: number }>): void {
    this.recent.add(samples);
  }

  /** forgetCluster resolves a removed cluster's alerts. */
  forgetCluster(name: string): void {
    this.recent.forget(name);
    this.latest.delete(name);
    this.evaluated.delete(name);
    for (const k of this.peerEvidenceAt.keys()) if (k.startsWith(`${name}\u0000`)) this.peerEvidenceAt.delete(k);
    this.dispatcher.ingest(this.engine.removeCluster(name));
  }

  /** retainClusters resolves the restored alerts of clusters that are no longer monitored (removed while the monitor was down). */
  retainClusters(names: Iterable<string>): void {
    this.dispatcher.ingest(this.engine.retainClusters(names));
  }

  // Fills the in-memory windows of one series (every member of a cluster in one read, once per process) with what the
  // store holds from before this process started.
  private backfill(cluster: string, series: string): void {
    const key = `${cluster}\u0000${series}`;
    if (this.backfilled.has(key)) return;
    this.backfilled.add(key);
    const from = this.recent.since - this.recent.spanOf(series);
    for (const p of this.store.query({ series, cluster, from, to: this.recent.since - 1 }).points) this.recent.prepend(cluster, p.member, series, p.points);
  }

  /** channelNames lists the channels in force. */
  channelNames(): string[] {
    return this.channelsInForce.map((c) => c.name);
  }

  /** rules returns the rules in force: the built-in pack, the config file's [[rules]], then API changes. */
  rules(): CompiledRule[] {
    return this.rulesInForce;
  }

  /** channelViews returns the channels in force as the API shows them (see channelView). */
  channelViews(): ChannelView[] {
    return this.channelsInForce.map((c) => this.channelView(c));
  }

  /** channelView returns a channel as the API shows it: secrets replaced by `[redacted]`, where it was defined, how many notifications wait for it. */
  channelView(c: ChannelConfig): ChannelView {
    return {
      ...redacted(c),
      source: this.config.channels.some((f) => f.name === c.name) ? 'config' : 'api',
      pending: this.outbox.pending({ channel: c.name }).length,
    };
  }

  /**
   * putRule changes or adds a rule from an API body and persists it: a name of an existing rule changes only the keys
   * given (every severity variant of it), any other name adds a rule.
   */
  putRule(name: string, body: Record<string, unknown>): CompiledRule[] {
    const next = applyRule(this.rulesInForce, name, body);
    this.store.putDoc('rule', name, body);
    this.dispatcher.ingest(this.setRules(next));
    return next.filter((r) => r.name === name);
  }

  /** deleteRule drops the API's change to a rule (back to the config file or built-in one) or an API-added rule. */
  deleteRule(name: string): void {
    if (this.store.getDoc('rule', name) === undefined) {
      throw new AppError('MON_RULE_NOT_FOUND', `rule "${name}" has no change made through the API`, { hint: 'turn a built-in or config rule off with PUT {"enabled": false}' });
    }
    this.store.deleteDoc('rule', name);
    this.dispatcher.ingest(this.setRules(this.storedOver(this.config.rules)));
  }

  /** setRules puts rules in force and keeps in memory only the series their windows read; it returns the alerts that resolved. */
  private setRules(rules: CompiledRule[]): Alert[] {
    this.rulesInForce = rules;
    const ended = this.engine.setRules(rules);
    // A series read over a window is written `name[5m]` or `name{…}[5m]`; each is kept for its longest window, plus a
    // minute so the oldest point of a window is still there between evaluations.
    const windowed = new Map<string, number>();
    for (const r of rules) {
      for (const m of r.expr.matchAll(/([a-z_][a-z0-9_]*)\s*(?:\{[^}]*\})?\s*\[([^\]]+)\]/g)) {
        const ms = parseDuration(m[2]!) + 60_000;
        windowed.set(m[1]!, Math.max(windowed.get(m[1]!) ?? 0, ms));
      }
    }
    this.recent.only(windowed);
    return ended;
  }

  /** putChannel validates, seals (secret keys encrypted) and persists a channel from an API body; config-file channels are read-only. */
  putChannel(name: string, body: Record<string, unknown>): ChannelConfig {
    if (this.config.channels.some((c) => c.name === name))
      throw new AppError('MON_CHANNEL_READONLY', `channel "${name}" is defined in the config file`, { hint: 'change it in the config file and restart' });
    const raw = this.keepSecrets(name, { ...body, name });
    const ch = parseChannel(raw, 'body');
    const sealed: Record<string, unknown> = { ...raw };
    const secretKeys = (notifiers[ch.type] as { secretFields: string[] }).secretFields;
    for (const k of secretKeys) if (typeof sealed[k] === 'string' && this.secrets) sealed[k] = this.secrets.seal(sealed[k] as string);
    this.store.putDoc('channel', name, sealed);
    this.channelsInForce = [...this.channelsInForce.filter((c) => c.name !== name), ch];
    this.senders.set(name, createSender(ch));
    this.dispatcher.setConfig(this.routes(), this.config.inhibitRules);
    return ch;
  }

  /**
   * keepSecrets fills in the secret keys an edit leaves out (or sends blank or as `[redacted]`) from the channel stored
   * under the same name and type, so a form never has to show a secret to save other changes; `null` clears one.
   */
  private keepSecrets(name: string, raw: Record<string, unknown>): Record<string, unknown> {
    const type = raw.type;
    if (typeof type !== 'string' || !Object.hasOwn(notifiers, type)) return raw;
    const notifier = notifiers[type as keyof typeof notifiers] as { secretFields: string[]; fields: Record<string, { aliases?: string[] }> };
    const prev = this.channelsInForce.find((c) => c.name === name && c.type === type);
    const out = { ...raw };
    for (const k of notifier.secretFields) {
      const spellings = [k, ...(notifier.fields[k]?.aliases ?? [])];
      const given = spellings.filter((s) => out[s] !== undefined && out[s] !== '' && out[s] !== '[redacted]');
      for (const s of spellings) if (out[s] === '' || out[s] === '[redacted]' || out[s] === null) delete out[s];
      if (given.length === 0 && raw[k] !== null && prev?.secrets[k] !== undefined) out[k] = prev.secrets[k];
    }
    return out;
  }

  /** deleteChannel removes an API-created channel; notifications already queued for it stay in the log. */
  deleteChannel(name: string): void {
    if (this.config.channels.some((c) => c.name === name))
      throw new AppError('MON_CHANNEL_READONLY', `channel "${name}" is defined in the config file`, { hint: 'change it in the config file and restart' });
    const using = this.apiRoutes?.routes.findIndex((r) => r.channels.includes(name)) ?? -1;
    if (!this.routesFromFile && using >= 0)
      throw new AppError('MON_CHANNEL_IN_USE', `channel "${name}" is used by routes[${using}]`, { hint: 'change or remove that route first (PUT /api/v1/routes)' });
    if (!this.store.deleteDoc('channel', name)) throw new AppError('MON_CHANNEL_NOT_FOUND', `no channel named "${name}"`);
    this.channelsInForce = this.channelsInForce.filter((c) => c.name !== name);
    this.senders.delete(name);
    this.dispatcher.setConfig(this.routes(), this.config.inhibitRules);
  }

  /**
   * routes returns the routes in force: the config file's `[[routes]]` if it has any, else the API's, else the built-in
   * default (every alert to every channel, critical ones without a group wait).
   */
  routes(): Route[] {
    if (this.routesFromFile) return this.config.routes;
    if (this.apiRoutes) return this.apiRoutes.routes;
    return fastCriticalRoutes(readRoutes(undefined, this.channelNames(), []));
  }

  /** routesView returns the routes in force as the API shows them, with where they come from. */
  routesView(): RoutesView {
    const source = this.routesFromFile ? 'config' : this.apiRoutes ? 'api' : 'default';
    return { source, editable: !this.routesFromFile, version: this.apiRoutes?.version ?? source, routes: this.routes().map(routeTable) };
  }

  /**
   * putRoutes replaces the API's ordered route list, checked by the config file's own parser against the channels in
   * force, persists it and applies it to the dispatcher at once. Refused while the config file has `[[routes]]`, and
   * when `version` is given but the routes changed since it was read.
   */
  putRoutes(list: unknown, version?: string): RoutesView {
    this.assertRoutesEditable();
    if (version !== undefined && version !== this.routesView().version) {
      throw new AppError('MON_ROUTES_CONFLICT', 'the routes were changed since you read them', {
        field: 'version',
        hint: 'reload the routes (GET /api/v1/routes) and make your change again',
      });
    }
    if (Array.isArray(list) && list.length === 0) {
      throw new AppError('MON_ROUTE_INVALID', 'routes: is empty, so no alert would be sent anywhere', {
        field: 'routes',
        hint: 'DELETE /api/v1/routes goes back to the default (every alert to every channel)',
      });
    }
    const routes = this.checkRoutes(list);
    this.apiRoutes = { routes, version: randomUUID().slice(0, 8) };
    this.store.putDoc(ROUTES_DOC.kind, ROUTES_DOC.key, { version: this.apiRoutes.version, routes: routes.map(routeTable) });
    this.dispatcher.setConfig(this.routes(), this.config.inhibitRules);
    return this.routesView();
  }

  /** deleteRoutes drops the API's routes, going back to the built-in default; it is a no-op when there are none. */
  deleteRoutes(): void {
    this.assertRoutesEditable();
    this.store.deleteDoc(ROUTES_DOC.kind, ROUTES_DOC.key);
    this.apiRoutes = undefined;
    this.dispatcher.setConfig(this.routes(), this.config.inhibitRules);
  }

  private assertRoutesEditable(): void {
    if (this.routesFromFile) {
      throw new AppError('MON_ROUTES_READONLY', 'the routes are defined in the config file ([[routes]])', {
        hint: 'change them in the config file and restart, or remove [[routes]] from it to manage routes in the UI',
      });
    }
  }

  private checkRoutes(list: unknown, path = 'routes'): Route[] {
    const issues: ConfigIssue[] = [];
    const routes = readRoutes(list ?? [], this.channelNames(), issues, path);
    if (issues.length)
      throw new AppError('MON_ROUTE_INVALID', `invalid routes: ${issues.map(formatIssue).join('; ')}`, {
        field: issues[0]!.path,
        ...(issues[0]!.hint ? { hint: issues[0]!.hint } : {}),
      });
    return routes;
  }

  private storedOver(base: CompiledRule[]): CompiledRule[] {
    let rules = base;
    for (const { key, doc } of this.store.listDocs('rule')) rules = applyRule(rules, key, doc as Record<string, unknown>);
    return rules;
  }

  private loadStored(onError?: (err: unknown) => void): void {
    try {
      this.rulesInForce = this.storedOver(this.config.rules);
    } catch (err) {
      onError?.(err);
    }
    for (const { key, doc } of this.store.listDocs('channel')) {
      if (this.channelsInForce.some((c) => c.name === key)) continue;
      try {
        const raw = doc as Record<string, unknown>;
        this.channelsInForce.push(parseChannel(raw, `stored channel ${key}`, this.secrets ? { openSecret: (v) => this.secrets!.open(v) } : {}));
      } catch (err) {
        onError?.(err);
      }
    }
    const stored = this.store.getDoc(ROUTES_DOC.kind, ROUTES_DOC.key) as { version: string; routes: unknown[] } | undefined;
    if (stored && !this.routesFromFile) {
      // A stored list that no longer reads (a channel it names is gone) leaves the default in force rather than no route.
      try {
        this.apiRoutes = { routes: this.checkRoutes(stored.routes, 'stored routes'), version: stored.version };
      } catch (err) {
        onError?.(err);
      }
    }
  }

  /** sendTest sends a test notification to one channel now and returns the logged attempt. */
  async sendTest(channel: string) {
    if (!this.senders.has(channel)) throw new AppError('MON_NOT_FOUND', `no channel named "${channel}"`, { hint: 'GET /api/v1/channels lists them' });
    if (!this.delivery) throw new AppError('MON_NOT_STARTED', 'notifications are not being delivered yet', { hint: 'start the monitor first' });
    return this.delivery.sendTest(channel);
  }

  /** stop ends evaluation, dispatch and delivery (in-flight sends are logged as retries) and closes the outbox. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.pendingEval.values()) clearTimeout(t);
    this.pendingEval.clear();
    this.dispatcher.stop();
    await this.delivery?.stop();
    this.outbox.close();
  }
}
