import type { ConfigIssue, FieldValues } from '@etcd-monitor/core';
import type { Notification } from '../../types.ts';
import { defineNotifier, notifierFields } from '../notifier.ts';
import { checkHttpUrl } from '../checks.ts';
import { postJson } from '../http.ts';
import { groupKeyHash, isoTime, textBody, title, topSeverity } from '../render.ts';

/** PAGERDUTY_EVENTS_URL is the Events API v2 endpoint. */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

type PdSeverity = 'critical' | 'error' | 'warning' | 'info';

/** pagerDutySeverity maps the monitor's severities onto PagerDuty's: critical, warning and info keep their names; anything else is error. */
export function pagerDutySeverity(n: Notification): PdSeverity {
  const s = topSeverity(n);
  return s === 'critical' || s === 'warning' || s === 'info' ? s : 'error';
}

// PagerDuty rejects a summary over 1024 characters.
const MAX_SUMMARY = 1024;

/** pagerDutyEvent builds the Events API v2 body: a trigger while any alert fires, else a resolve, keyed by the group. */
export function pagerDutyEvent(n: Notification, c: Pick<PagerDutyConfig, 'routing_key' | 'severity' | 'source'>): Record<string, unknown> {
  // The group's hash, not the notification id: every trigger and the final resolve of a group land on one incident.
  const dedup_key = groupKeyHash(n.groupKey);
  if (n.status === 'resolved') return { routing_key: c.routing_key, event_action: 'resolve', dedup_key };
  const summary = title(n);
  return {
    routing_key: c.routing_key,
    event_action: 'trigger',
    dedup_key,
    payload: {
      summary: summary.length > MAX_SUMMARY ? `${summary.slice(0, MAX_SUMMARY - 1)}…` : summary,
      source: c.source ?? n.commonLabels.cluster ?? 'etcd-monitor',
      severity: c.severity ?? pagerDutySeverity(n),
      timestamp: isoTime(n.createdAt),
      component: 'etcd',
      ...(n.commonLabels.cluster ? { group: n.commonLabels.cluster } : {}),
      ...(n.commonLabels.alertname ? { class: n.commonLabels.alertname } : {}),
      custom_details: { alerts: textBody(n), firing: n.alerts.filter((a) => a.state !== 'resolved').length, group_labels: n.groupLabels },
    },
    client: 'etcd-monitor',
    ...(n.externalUrl ? { client_url: n.externalUrl, links: [{ href: n.externalUrl, text: 'etcd-monitor' }] } : {}),
  };
}

const fields = notifierFields({
  routing_key: {
    label: 'Integration key',
    secret: true,
    check: 'key',
    kind: 'string',
    required: true,
    aliases: ['integration_key'],
    doc: "routing_key is the integration key of the service's Events API v2 integration; stored encrypted.",
  },
  severity: {
    label: 'Fixed severity',
    hint: 'Default: from the alerts',
    kind: 'string',
    oneOf: ['critical', 'error', 'warning', 'info'],
    doc: "severity, when set, is sent for every event instead of the alerts' severity label.",
  },
  source: {
    label: 'Source',
    hint: 'Default: the cluster label',
    kind: 'string',
    doc: 'source names the affected system in PagerDuty (default: the cluster label, else "etcd-monitor").',
  },
  url: {
    label: 'Events URL',
    check: 'url',
    kind: 'string',
    default: PAGERDUTY_EVENTS_URL,
    doc: 'url is the Events API v2 endpoint (change it for the EU service region or a proxy).',
  },
});

/** PagerDutyConfig is a checked `type = "pagerduty"` channel. */
export type PagerDutyConfig = FieldValues<typeof fields>;

/** pagerDutyNotifier sends Events API v2 triggers and resolves with a dedup_key derived from the alert group. */
export const pagerDutyNotifier = defineNotifier({
  type: 'pagerduty',
  label: 'PagerDuty (Events API v2)',
  doc: 'pagerduty triggers and resolves PagerDuty incidents through the Events API v2.',
  fields,
  check(c, path) {
    const issues: ConfigIssue[] = [];
    checkHttpUrl(c.url, `${path}.url`, issues);
    if (typeof c.routing_key === 'string' && !/^[A-Za-z0-9]{8,64}$/.test(c.routing_key)) {
      issues.push({ path: `${path}.routing_key`, message: 'does not look like an integration key', hint: 'copy the 32-character Integration Key of an Events API v2 integration' });
    }
    return issues;
  },
  create(c) {
    return { send: (n, signal) => postJson(c.url, pagerDutyEvent(n, c), { signal, secrets: [c.routing_key] }) };
  },
});
