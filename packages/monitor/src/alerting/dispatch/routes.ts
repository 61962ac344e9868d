import { AppError, didYouMean, formatMatcher, matchesAll, parseMatchers, readFields, type ConfigIssue, type FieldSpec, type Matcher } from '@etcd-monitor/core';
import { capped } from '../../field-limits.ts';
import type { Alert, AlertSeverity } from '../types.ts';
import type { RouteTable } from '../../api/contract.ts';

/** Grouping is how a route batches alerts into notifications; the defaults are Alertmanager's. */
export interface Grouping {
  /** groupBy are the labels whose values split alerts into groups. */
  groupBy: string[];
  /** groupWait is how long a new group waits for more alerts before its first notification (ms). */
  groupWait: number;
  /** groupInterval is the pause before notifying about changes to a group already notified (ms). */
  groupInterval: number;
  /** repeatInterval is how long before an unchanged, still-firing group is notified again (ms). */
  repeatInterval: number;
}

/** Route sends the alerts it matches to channels. */
export interface Route extends Grouping {
  /** channels are the receiving channels' names. */
  channels: string[];
  /** severities restrict the route to these severities; empty means all. */
  severities: AlertSeverity[];
  /** matchers restrict the route to alerts whose labels match all of them. */
  matchers: Matcher[];
  /** continue lets an alert that matched this route go on to the next routes too. */
  continue: boolean;
}

/** DEFAULT_GROUPING is Alertmanager's: group by cluster and alertname, 30 s wait, 5 min interval, 4 h repeat. */
export const DEFAULT_GROUPING: Grouping = { groupBy: ['cluster', 'alertname'], groupWait: 30_000, groupInterval: 5 * 60_000, repeatInterval: 4 * 3_600_000 };

/** ROUTE_FIELDS describe a `[[routes]]` table. */
export const ROUTE_FIELDS: Record<string, FieldSpec> = capped({
  channels: { kind: 'strings', required: true, aliases: ['channel'], doc: 'The channels (by name) that receive the matched alerts.' },
  severity: { kind: 'strings', default: [], aliases: ['severities'], doc: 'Only alerts of these severities (critical, warning, info); empty means all.' },
  matchers: { kind: 'strings', default: [], doc: 'Label matchers the alert must all satisfy, such as `cluster=~"prod-.*"`.' },
  continue: { kind: 'boolean', default: false, doc: 'Whether an alert matched here is also tried against the following routes.' },
  group_by: { kind: 'strings', default: DEFAULT_GROUPING.groupBy, doc: 'Labels whose values split alerts into notification groups.' },
  group_wait: { kind: 'duration', default: '30s', min: 0, max: 3_600_000, doc: 'How long a new group waits for more alerts before its first notification (0s to 1h).' },
  group_interval: {
    kind: 'duration',
    default: '5m',
    min: 1000,
    max: 86_400_000,
    doc: 'How long before a group already notified is notified about new or resolved alerts (1s to 24h).',
  },
  repeat_interval: { kind: 'duration', default: '4h', min: 60_000, max: 30 * 86_400_000, doc: 'How long before a still-firing, unchanged group is notified again (1m to 30d).' },
});

const SEVERITIES: AlertSeverity[] = ['critical', 'warning', 'info'];

/** readRoutes reads the config's `[[routes]]` against the declared channel names, pushing problems onto `issues` by path. */
export function readRoutes(raw: unknown, channels: readonly string[], issues: ConfigIssue[], path = 'routes'): Route[] {
  if (raw === undefined) return defaultRoutes(channels);
  if (!Array.isArray(raw)) {
    issues.push({ path, message: 'expected an array of tables ([[routes]])' });
    return [];
  }
  const out: Route[] = [];
  raw.forEach((entry, i) => {
    const p = `${path}[${i}]`;
    const before = issues.length;
    const v = readFields(entry, ROUTE_FIELDS, p, issues);
    if (issues.length > before) return;
    const names = v.channels as string[];
    names.forEach((c, j) => {
      if (!channels.includes(c))
        issues.push({ path: `${p}.channels[${j}]`, message: `unknown channel "${c}"`, hint: didYouMean(c, channels) ?? 'declare it as a [[channels]] table' });
    });
    const severities = v.severity as string[];
    severities.forEach((s, j) => {
      if (!SEVERITIES.includes(s as AlertSeverity)) issues.push({ path: `${p}.severity[${j}]`, message: `unknown severity "${s}"`, hint: didYouMean(s, SEVERITIES) });
    });
    let matchers: Matcher[] = [];
    try {
      matchers = parseMatchers(v.matchers, `${p}.matchers`);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      issues.push({ path: err.field ?? `${p}.matchers`, message: err.message.replace(`${err.field}: `, ''), ...(err.hint ? { hint: err.hint } : {}) });
    }
    if (issues.length > before) return;
    out.push({
      channels: names,
      severities: severities as AlertSeverity[],
      matchers,
      continue: v.continue as boolean,
      groupBy: v.group_by as string[],
      groupWait: v.group_wait as number,
      groupInterval: v.group_interval as number,
      repeatInterval: v.repeat_interval as number,
    });
  });
  return out;
}

/**
 * defaultRoutes is what applies without `[[routes]]`: every alert to every channel, so a config with one channel
 * needs no routing at all and no alert is dropped for want of a route.
 */
export function defaultRoutes(channels: readonly string[]): Route[] {
  return channels.length ? [{ channels: [...channels], severities: [], matchers: [], continue: false, ...DEFAULT_GROUPING, groupBy: [...DEFAULT_GROUPING.groupBy] }] : [];
}

/** matchRoutes returns the indexes of the routes an alert takes: the first match, and more while routes say `continue`. */
export function matchRoutes(routes: readonly Route[], alert: Pick<Alert, 'labels'>): number[] {
  const out: number[] = [];
  for (let i = 0; i < routes.length; i++) {
    const r = routes[i]!;
    if (r.severities.length && !r.severities.includes(alert.labels.severity as AlertSeverity)) continue;
    if (!matchesAll(r.matchers, alert.labels)) continue;
    out.push(i);
    if (!r.continue) break;
  }
  return out;
}

export type { RouteTable };

/** durationText writes milliseconds in the largest whole unit (`0s`, `30s`, `5m`, `4h`, `1500ms`), as a config file would. */
export function durationText(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** routeTable writes a route back as a `[[routes]]` table, which readRoutes reads into the same route. */
export function routeTable(r: Route): RouteTable {
  return {
    channels: [...r.channels],
    severity: [...r.severities],
    matchers: r.matchers.map(formatMatcher),
    continue: r.continue,
    group_by: [...r.groupBy],
    group_wait: durationText(r.groupWait),
    group_interval: durationText(r.groupInterval),
    repeat_interval: durationText(r.repeatInterval),
  };
}
