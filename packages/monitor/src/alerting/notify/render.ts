import { createHash } from 'node:crypto';
import type { Alert, AlertSeverity, Notification } from '../types.ts';

/** ZERO_TIME is how Alertmanager writes "no end time" in its JSON (Go's zero time.Time). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** groupKeyHash is the SHA-256 hex of a group key: a stable, opaque dedup key (PagerDuty's dedup_key, mail headers). */
export function groupKeyHash(groupKey: string): string {
  return createHash('sha256').update(groupKey).digest('hex');
}

/** alertStatus is an alert's status as receivers know it: `resolved` or `firing` (a pending alert is never notified). */
export function alertStatus(a: Alert): 'firing' | 'resolved' {
  return a.state === 'resolved' ? 'resolved' : 'firing';
}

/** isoTime formats a millisecond time as RFC 3339, or ZERO_TIME when absent. */
export function isoTime(ms: number | undefined): string {
  return ms === undefined ? ZERO_TIME : new Date(ms).toISOString();
}

/** annotationsOf returns an alert's annotations without absent values, as a string map. */
export function annotationsOf(a: Alert): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.annotations)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** commonAnnotations returns the annotations every alert of n shares with the same value. */
export function commonAnnotations(n: Notification): Record<string, string> {
  const [first, ...rest] = n.alerts.map(annotationsOf);
  if (!first) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((r) => r[k] === v)));
}

/** counts returns how many alerts of n fire and how many resolved. */
export function counts(n: Notification): { firing: number; resolved: number } {
  const firing = n.alerts.filter((a) => alertStatus(a) === 'firing').length;
  return { firing, resolved: n.alerts.length - firing };
}

const RANK: Record<AlertSeverity, number> = { critical: 3, warning: 2, info: 1 };

/** topSeverity is the most severe `severity` label among n's firing alerts (all alerts when none fires). */
export function topSeverity(n: Notification): AlertSeverity | undefined {
  const firing = n.alerts.filter((a) => alertStatus(a) === 'firing');
  let best: AlertSeverity | undefined;
  for (const a of firing.length > 0 ? firing : n.alerts) {
    const s = a.labels.severity as AlertSeverity | undefined;
    if (s && RANK[s] && (best === undefined || RANK[s] > RANK[best])) best = s;
  }
  return best;
}

function sortedValues(labels: Record<string, string>, skip: Record<string, string> = {}): string[] {
  return Object.keys(labels)
    .filter((k) => !(k in skip))
    .sort()
    .map((k) => labels[k]!);
}

/**
 * title is Alertmanager's default subject: `[FIRING:2] <group label values> (<other common label values>)`, prefixed
 * with `[TEST]` for a test notification.
 */
export function title(n: Notification): string {
  const { firing } = counts(n);
  const status = n.status === 'firing' ? `FIRING:${firing}` : 'RESOLVED';
  const group = sortedValues(n.groupLabels).join(' ');
  const extra = sortedValues(n.commonLabels, n.groupLabels).join(' ');
  return `${n.test ? '[TEST] ' : ''}[${status}] ${group}${extra ? ` (${extra})` : ''}`.trim();
}

function labelPairs(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(' ');
}

/** alertLines renders one alert as plain-text lines: status and summary, labels, description, runbook. */
export function alertLines(a: Alert): string[] {
  const lines = [`[${alertStatus(a)}] ${a.annotations.summary}`, `  labels: ${labelPairs(a.labels)}`];
  if (a.annotations.description) lines.push(`  ${a.annotations.description}`);
  if (a.annotations.runbook) lines.push(`  runbook: ${a.annotations.runbook}`);
  if (a.startsAt !== undefined) lines.push(`  since: ${isoTime(a.startsAt)}${a.endsAt !== undefined ? `, resolved: ${isoTime(a.endsAt)}` : ''}`);
  return lines;
}

/** textBody renders n as a plain-text message: firing alerts first, then resolved ones, then the monitor's link. */
export function textBody(n: Notification): string {
  const sorted = [...n.alerts].sort((a, b) => (alertStatus(a) === alertStatus(b) ? 0 : alertStatus(a) === 'firing' ? -1 : 1));
  const parts = [title(n), ''];
  if (n.test) parts.push('This is a test notification from etcd-monitor; no alert is firing.', '');
  for (const a of sorted) parts.push(...alertLines(a), '');
  if (n.externalUrl) parts.push(`Open the monitor: ${n.externalUrl}`);
  return parts.join('\n').trimEnd() + '\n';
}

/** escapeHtml makes text safe inside HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** htmlBody renders n as a small HTML message with the same content as textBody. */
export function htmlBody(n: Notification): string {
  const items = n.alerts
    .map((a) => {
      const rows = alertLines(a)
        .slice(1)
        .map((l) => `<div>${escapeHtml(l.trim())}</div>`)
        .join('');
      const color = alertStatus(a) === 'firing' ? '#c0392b' : '#27ae60';
      return `<li><strong style="color:${color}">[${alertStatus(a)}]</strong> ${escapeHtml(a.annotations.summary)}${rows}</li>`;
    })
    .join('\n');
  const link = n.externalUrl ? `<p><a href="${escapeHtml(n.externalUrl)}">Open the monitor</a></p>` : '';
  const test = n.test ? '<p>This is a test notification from etcd-monitor; no alert is firing.</p>' : '';
  return `<!doctype html>\n<html><body>\n<h3>${escapeHtml(title(n))}</h3>\n${test}<ul>\n${items}\n</ul>\n${link}\n</body></html>\n`;
}
