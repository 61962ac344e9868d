import { randomUUID } from 'node:crypto';
import type { Alert, Notification } from '../types.ts';
import { Inhibitor, type InhibitRule, DEFAULT_INHIBIT_RULES } from './inhibit.ts';
import { matchRoutes, type Route } from './routes.ts';
import type { Silences } from './silences.ts';

/** DispatcherOptions configure a Dispatcher. */
export interface DispatcherOptions {
  /** routes decide which channels get which alerts (see defaultRoutes). */
  routes: Route[];
  /** inhibitRules mute symptom alerts while a cause fires; default DEFAULT_INHIBIT_RULES. */
  inhibitRules?: readonly InhibitRule[];
  /** silences mute matching alerts. */
  silences?: Silences;
  /** deliver receives every notification, one per channel per group flush (the delivery outbox). */
  deliver(n: Notification): void | Promise<void>;
  /** now is the clock (ms); tests inject one. Default Date.now. */
  now?: () => number;
  /** externalUrl links notifications back to the monitor. */
  externalUrl?: string;
  /** resolveTimeoutMs resolves a firing alert the engine has stopped reporting (Alertmanager's resolve_timeout); default 5 min. */
  resolveTimeoutMs?: number;
  /** newId makes notification ids; default random UUIDs. */
  newId?: () => string;
  /** onError is told when deliver throws or rejects. */
  onError?(err: unknown, n: Notification): void;
}

/** GroupInfo describes one alert group, for the API. */
export interface GroupInfo {
  /** key is the group key. */
  key: string;
  /** channels receive the group. */
  channels: string[];
  /** labels are the group_by labels and values. */
  labels: Record<string, string>;
  /** alerts counts the group's alerts. */
  alerts: number;
  /** nextFlushAt is when the group is next considered for a notification (ms). */
  nextFlushAt: number;
}

interface Entry {
  alert: Alert;
  seenAt: number;
}

interface Group {
  key: string;
  route: Route;
  labels: Record<string, string>;
  alerts: Map<string, Entry>;
  nextFlushAt: number;
  sentFiring: Set<string>;
  sentAt: number | undefined;
  // Channels added to the group's route by setConfig that have not been told what fires yet.
  unsent?: Set<string>;
}

/**
 * Dispatcher turns alerts into notifications the way Alertmanager does: route, group by labels, wait group_wait before
 * a group's first notification, group_interval between updates, repeat_interval before repeating an unchanged group;
 * silenced and inhibited alerts are left out at flush time. Groups are flushed by `tick()`, driven by a timer after
 * `start()` or by the tests with an injected clock.
 */
export class Dispatcher {
  private routes: Route[];
  private inhibitor: Inhibitor;
  private readonly silences: Silences | undefined;
  private readonly deliverFn: DispatcherOptions['deliver'];
  private readonly now: () => number;
  private readonly externalUrl: string;
  private readonly resolveTimeout: number;
  private readonly newId: () => string;
  private readonly onError: DispatcherOptions['onError'];
  private readonly groups = new Map<string, Group>();
  // Every firing alert by fingerprint, across groups: the inhibition sources.
  private readonly firing = new Map<string, Entry>();
  // What receivers were last told per group before a restart, until the group forms again (see restoreSent).
  private readonly prior = new Map<string, { sentFiring: Set<string>; sentAt: number }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(o: DispatcherOptions) {
    this.routes = o.routes;
    this.inhibitor = new Inhibitor(o.inhibitRules ?? DEFAULT_INHIBIT_RULES);
    this.silences = o.silences;
    this.deliverFn = o.deliver;
    this.now = o.now ?? Date.now;
    this.externalUrl = o.externalUrl ?? '';
    this.resolveTimeout = o.resolveTimeoutMs ?? 5 * 60_000;
    this.newId = o.newId ?? randomUUID;
    this.onError = o.onError;
  }

  /**
   * setConfig swaps routes and inhibit rules (config reload, routes API) and re-routes the alerts already grouped, so a
   * changed route takes effect at once. A new group with the same group labels as an old one and a channel in common
   * inherits its state (what was sent, when, the next flush): reordering or retiming routes sends nothing again, and a
   * channel added to a route is told what fires after the route's group_wait, without repeating it to the others.
   * Any other new group starts afresh and is notified after its group_wait; an old group no route leads to any more is
   * dropped without a resolve, as on an Alertmanager reload.
   */
  setConfig(routes: Route[], inhibitRules: readonly InhibitRule[] = DEFAULT_INHIBIT_RULES): void {
    this.routes = routes;
    this.inhibitor = new Inhibitor(inhibitRules);
    const now = this.now();
    const old = [...this.groups.values()];
    const byLabels = new Map<string, Group[]>();
    for (const g of old) byLabels.set(JSON.stringify(g.labels), [...(byLabels.get(JSON.stringify(g.labels)) ?? []), g]);
    // The old group that shares the most channels with a new one is the one its receivers know.
    const heirOf = (route: Route, labels: Record<string, string>) => {
      let best: Group | undefined;
      let most = 0;
      for (const g of byLabels.get(JSON.stringify(labels)) ?? []) {
        const shared = route.channels.filter((c) => g.route.channels.includes(c) && !g.unsent?.has(c)).length;
        if (shared > most) [best, most] = [g, shared];
      }
      return best;
    };
    this.groups.clear();
    for (const g of old) {
      for (const entry of g.alerts.values()) {
        for (const i of matchRoutes(routes, entry.alert)) {
          const route = routes[i]!;
          const labels: Record<string, string> = {};
          for (const l of route.groupBy) if (entry.alert.labels[l] !== undefined) labels[l] = entry.alert.labels[l]!;
          const key = `${i}:${JSON.stringify(labels)}`;
          let ng = this.groups.get(key);
          if (!ng) {
            const from = heirOf(route, labels);
            const unsent = new Set(from ? route.channels.filter((c) => !from.route.channels.includes(c) || from.unsent?.has(c)) : []);
            ng = from
              ? {
                  key,
                  route,
                  labels,
                  alerts: new Map(),
                  nextFlushAt: unsent.size ? Math.min(from.nextFlushAt, now + route.groupWait) : from.nextFlushAt,
                  sentFiring: new Set(from.sentFiring),
                  sentAt: from.sentAt,
                  ...(unsent.size ? { unsent } : {}),
                }
              : { key, route, labels, alerts: new Map(), nextFlushAt: now + route.groupWait, sentFiring: new Set(), sentAt: undefined };
            this.groups.set(key, ng);
          }
          // A resolved alert only matters to a receiver that was told it fired.
          if (entry.alert.state === 'resolved' && !ng.sentFiring.has(entry.alert.fingerprint)) continue;
          ng.alerts.set(entry.alert.fingerprint, entry);
        }
      }
    }
    for (const [key, g] of this.groups) if (g.alerts.size === 0) this.groups.delete(key);
  }

  /**
   * restoreSent tells a freshly started dispatcher what its receivers were last told, from the durable outbox: the
   * newest notification of each group and channel (delivered or still queued). A group that forms again with the same
   * key inherits which alerts were sent as firing and when, so an alert that kept firing across a restart is not
   * notified again (only repeated after repeat_interval), and one that resolved meanwhile is notified as resolved.
   */
  restoreSent(sent: Iterable<Notification>): void {
    for (const n of sent) {
      if (n.test) continue;
      const p = this.prior.get(n.groupKey) ?? { sentFiring: new Set<string>(), sentAt: 0 };
      for (const a of n.alerts) if (a.state === 'firing') p.sentFiring.add(a.fingerprint);
      p.sentAt = Math.max(p.sentAt, n.createdAt);
      this.prior.set(n.groupKey, p);
    }
  }

  /** ingest takes the engine's alerts: firing ones join (or refresh) their groups, resolved ones update them; pending ones are ignored. */
  ingest(alerts: Iterable<Alert>): void {
    const now = this.now();
    for (const a of alerts) {
      if (a.state === 'pending') continue;
      if (a.state === 'firing') this.firing.set(a.fingerprint, { alert: a, seenAt: now });
      else this.firing.delete(a.fingerprint);
      for (const i of matchRoutes(this.routes, a)) {
        const route = this.routes[i]!;
        const labels: Record<string, string> = {};
        for (const l of route.groupBy) if (a.labels[l] !== undefined) labels[l] = a.labels[l]!;
        const key = `${i}:${JSON.stringify(labels)}`;
        let g = this.groups.get(key);
        if (!g) {
          const p = this.prior.get(key);
          // A resolved alert for a group that does not exist was already notified and cleaned up, or never fired here
          // (unless receivers heard it fire before a restart).
          if (a.state === 'resolved' && !p?.sentFiring.has(a.fingerprint)) continue;
          this.prior.delete(key);
          g = { key, route, labels, alerts: new Map(), nextFlushAt: now + route.groupWait, sentFiring: new Set(p?.sentFiring), sentAt: p?.sentAt };
          this.groups.set(key, g);
        }
        g.alerts.set(a.fingerprint, { alert: a, seenAt: now });
      }
    }
  }

  /** tick flushes every group that is due and returns the notifications it delivered. */
  tick(): Notification[] {
    const now = this.now();
    const out: Notification[] = [];
    this.expireStale(now);
    this.inhibitor.reset([...this.firing.values()].map((e) => e.alert));
    for (const g of this.groups.values()) {
      if (g.nextFlushAt > now) continue;
      out.push(...this.flush(g, now));
    }
    for (const n of out) this.deliver(n);
    return out;
  }

  /** start ticks every `intervalMs` (unref'd, so it never keeps the process alive). */
  start(intervalMs = 1000): void {
    this.timer ??= setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  /** stop ends the timer; it is safe before start and twice. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** groupInfo lists the current groups. */
  groupInfo(): GroupInfo[] {
    return [...this.groups.values()].map((g) => ({ key: g.key, channels: [...g.route.channels], labels: { ...g.labels }, alerts: g.alerts.size, nextFlushAt: g.nextFlushAt }));
  }

  /** muted tells whether an alert is silenced or inhibited now, and by what, for the alerts API. */
  muted(a: Alert): { silencedBy: string[]; inhibited: boolean } {
    this.inhibitor.reset([...this.firing.values()].map((e) => e.alert));
    return { silencedBy: this.silences?.mutedBy(a.labels, this.now()) ?? [], inhibited: this.inhibitor.inhibited(a) };
  }

  private flush(g: Group, now: number): Notification[] {
    g.nextFlushAt = now + g.route.groupInterval;
    const firing: Alert[] = [];
    const resolved: Alert[] = [];
    for (const { alert } of g.alerts.values()) {
      if (alert.state === 'firing') {
        if (this.silences?.mutedBy(alert.labels, now).length || this.inhibitor.inhibited(alert)) continue;
        firing.push(alert);
      } else if (g.sentFiring.has(alert.fingerprint)) {
        // Only a receiver that was told an alert fires needs to hear that it resolved.
        resolved.push(alert);
      }
    }
    // What the receiver was told fires and still fires, muted or not: a muted alert that resolves must still be
    // resolved at the receiver (a PagerDuty incident stays open otherwise).
    const believed = new Set([...g.sentFiring].filter((fp) => g.alerts.get(fp)?.alert.state === 'firing'));
    // Resolved alerts are told once; afterwards they leave the group.
    for (const [fp, e] of g.alerts) if (e.alert.state === 'resolved') g.alerts.delete(fp);
    const newFiring = firing.some((a) => !g.sentFiring.has(a.fingerprint));
    const repeat = g.sentAt !== undefined && firing.length > 0 && now - g.sentAt >= g.route.repeatInterval;
    const send = newFiring || resolved.length > 0 || repeat;
    if (g.alerts.size === 0) this.groups.delete(g.key);
    g.sentFiring = believed;
    // Channels new to the route catch up on what fires; with nothing firing they have nothing to hear.
    const late = g.unsent && firing.length ? g.route.channels.filter((c) => g.unsent!.has(c)) : [];
    delete g.unsent;
    if (!send && late.length === 0) return [];
    for (const a of firing) g.sentFiring.add(a.fingerprint);
    if (send) g.sentAt = now;
    const alerts = [...firing, ...resolved].sort((a, b) => a.activeAt - b.activeAt || a.fingerprint.localeCompare(b.fingerprint));
    const common = commonLabels(alerts);
    return (send ? g.route.channels : late).map((channel) => ({
      id: this.newId(),
      channel,
      groupKey: g.key,
      status: firing.length ? 'firing' : 'resolved',
      alerts,
      groupLabels: { ...g.labels },
      commonLabels: common,
      externalUrl: this.externalUrl,
      createdAt: now,
    }));
  }

  // An alert the engine stopped reporting (a removed cluster, a crashed evaluator) must not fire forever.
  private expireStale(now: number): void {
    for (const [fp, e] of this.firing) {
      if (now - e.seenAt < this.resolveTimeout) continue;
      const gone: Alert = { ...e.alert, state: 'resolved', endsAt: e.seenAt + this.resolveTimeout };
      this.firing.delete(fp);
      for (const g of this.groups.values()) if (g.alerts.has(fp)) g.alerts.set(fp, { alert: gone, seenAt: now });
    }
  }

  private deliver(n: Notification): void {
    try {
      const r = this.deliverFn(n);
      if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch((err: unknown) => this.onError?.(err, n));
    } catch (err) {
      this.onError?.(err, n);
    }
  }
}

function commonLabels(alerts: Alert[]): Record<string, string> {
  if (alerts.length === 0) return {};
  const out: Record<string, string> = { ...alerts[0]!.labels };
  for (const a of alerts.slice(1)) for (const k of Object.keys(out)) if (a.labels[k] !== out[k]) delete out[k];
  return out;
}
