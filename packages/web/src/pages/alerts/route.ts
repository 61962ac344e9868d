import { tryDuration } from '@etcd-monitor/core/parse';
import { parseMatcherLines, textLines } from '../../lib/matchers.ts';
import { listItems } from './channel.ts';
import type { RouteTable } from '@etcd-monitor/monitor/contract';

/** RouteValues are the route form's raw inputs, as typed. */
export interface RouteValues {
  channels: string[];
  severity: string[];
  /** matchers is one matcher a line: name="value", name!="value", name=~"re" or name!~"re" (quotes optional). */
  matchers: string;
  continue: boolean;
  /** groupBy is comma or line separated label names. */
  groupBy: string;
  groupWait: string;
  groupInterval: string;
  repeatInterval: string;
}

/** ROUTE_KEYS maps the API's route keys to the form's. */
const ROUTE_KEYS: Record<string, keyof RouteValues> = {
  channels: 'channels',
  channel: 'channels',
  severity: 'severity',
  severities: 'severity',
  matchers: 'matchers',
  continue: 'continue',
  group_by: 'groupBy',
  group_wait: 'groupWait',
  group_interval: 'groupInterval',
  repeat_interval: 'repeatInterval',
};

const SEVERITIES = ['critical', 'warning', 'info'];
const LABEL = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** newRoute is an empty route form with Alertmanager's grouping defaults. */
export function newRoute(): RouteValues {
  return { channels: [], severity: [], matchers: '', continue: false, groupBy: 'cluster, alertname', groupWait: '30s', groupInterval: '5m', repeatInterval: '4h' };
}

/** fromRouteTable fills the form from a route of `GET /api/v1/routes`. */
export function fromRouteTable(r: RouteTable): RouteValues {
  return {
    channels: [...r.channels],
    severity: [...r.severity],
    matchers: r.matchers.join('\n'),
    continue: r.continue,
    groupBy: r.group_by.join(', '),
    groupWait: r.group_wait,
    groupInterval: r.group_interval,
    repeatInterval: r.repeat_interval,
  };
}

/** toRouteTable is a route of the `PUT /api/v1/routes` body for valid form values. */
export function toRouteTable(v: RouteValues): RouteTable {
  return {
    channels: v.channels,
    severity: v.severity,
    matchers: textLines(v.matchers),
    continue: v.continue,
    group_by: listItems(v.groupBy),
    group_wait: v.groupWait.trim(),
    group_interval: v.groupInterval.trim(),
    repeat_interval: v.repeatInterval.trim(),
  };
}

/** validateRoute checks the form with the monitor's own parsers, against the channels in force. */
export function validateRoute(v: RouteValues, channels: readonly string[]): Partial<Record<keyof RouteValues, string>> {
  const e: Partial<Record<keyof RouteValues, string>> = {};
  if (v.channels.length === 0) e.channels = 'Pick at least one channel that receives the matched alerts.';
  else {
    const unknown = v.channels.find((c) => !channels.includes(c));
    if (unknown) e.channels = `There is no channel "${unknown}".`;
  }
  const badSeverity = v.severity.find((s) => !SEVERITIES.includes(s));
  if (badSeverity) e.severity = `"${badSeverity}" is not a severity (critical, warning, info).`;
  const matchers = parseMatcherLines(textLines(v.matchers));
  if (matchers.error !== undefined) e.matchers = matchers.error;
  const badLabel = listItems(v.groupBy).find((l) => !LABEL.test(l));
  if (badLabel) e.groupBy = `"${badLabel}" is not a label name.`;
  for (const k of ['groupWait', 'groupInterval', 'repeatInterval'] as const) if (tryDuration(v[k]) === undefined) e[k] = 'Write a duration such as 0s, 30s, 5m or 4h.';
  return e;
}

/** routeErrorAt reads the route and form key a 400 names (`routes[2].group_wait`, `routes[0].channels[1]`). */
export function routeErrorAt(field: string | undefined): { index: number; key: keyof RouteValues | undefined } | undefined {
  const m = /^routes\[(\d+)\](?:\.([a-z_]+))?/.exec(field ?? '');
  if (!m) return undefined;
  return { index: Number(m[1]), key: m[2] ? ROUTE_KEYS[m[2]] : undefined };
}

/** catchAll tells whether a route takes every alert and stops there. */
function catchAll(r: RouteTable): boolean {
  return r.matchers.length === 0 && r.severity.length === 0 && !r.continue;
}

/** unreachable lists the indexes of routes that can never match: an earlier route takes every alert and stops. */
export function unreachable(routes: readonly RouteTable[]): number[] {
  const first = routes.findIndex(catchAll);
  return first < 0 ? [] : routes.map((_, i) => i).filter((i) => i > first);
}

/** insertAt is where a new route goes: before a final catch-all route (so it can match), else at the end. */
export function insertAt(routes: readonly RouteTable[]): number {
  return routes.length > 0 && catchAll(routes[routes.length - 1]!) ? routes.length - 1 : routes.length;
}
