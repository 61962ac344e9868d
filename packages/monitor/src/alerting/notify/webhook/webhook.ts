import type { ConfigIssue, FieldValues } from '@etcd-monitor/core';
import type { Notification } from '../../types.ts';
import { defineNotifier, notifierFields } from '../notifier.ts';
import { authHeader, checkAuthPair, checkHttpUrl } from '../checks.ts';
import { postJson } from '../http.ts';
import { alertStatus, annotationsOf, commonAnnotations, isoTime } from '../render.ts';

/** WebhookAlert is one alert in Alertmanager's webhook payload. */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/** WebhookMessage is Alertmanager's webhook payload, version 4, as tools written for Alertmanager expect it. */
export interface WebhookMessage {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
}

/** webhookMessage builds the v4 payload of n, keeping at most maxAlerts alerts (0: all). */
export function webhookMessage(n: Notification, maxAlerts = 0): WebhookMessage {
  const kept = maxAlerts > 0 ? n.alerts.slice(0, maxAlerts) : n.alerts;
  return {
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: n.alerts.length - kept.length,
    status: n.status,
    receiver: n.channel,
    groupLabels: n.groupLabels,
    commonLabels: n.commonLabels,
    commonAnnotations: commonAnnotations(n),
    externalURL: n.externalUrl,
    alerts: kept.map((a) => ({
      status: alertStatus(a),
      labels: a.labels,
      annotations: annotationsOf(a),
      startsAt: isoTime(a.startsAt ?? a.activeAt),
      endsAt: isoTime(a.endsAt),
      generatorURL: n.externalUrl,
      fingerprint: a.fingerprint,
    })),
  };
}

const fields = notifierFields({
  url: {
    label: 'URL',
    secret: true,
    check: 'url',
    placeholder: 'https://hooks.example.com/etcd',
    kind: 'string',
    required: true,
    doc: 'url is the endpoint that receives the JSON POST; stored encrypted because such URLs often carry a token.',
  },
  bearer_token: { label: 'Bearer token', secret: true, kind: 'string', doc: 'bearer_token is sent as `Authorization: Bearer <token>`.' },
  username: { label: 'Basic-auth user', kind: 'string', doc: 'username is the basic-auth user, sent with password.' },
  password: { label: 'Basic-auth password', secret: true, kind: 'string', doc: 'password is the basic-auth password.' },
  max_alerts: {
    label: 'Max alerts per message',
    hint: '0: no cap',
    kind: 'integer',
    default: 0,
    min: 0,
    doc: 'max_alerts caps the alerts in one message (0: no cap); the payload counts the rest in truncatedAlerts.',
  },
});

/** WebhookConfig is a checked `type = "webhook"` channel. */
export type WebhookConfig = FieldValues<typeof fields>;

/** webhookNotifier POSTs Alertmanager's v4 webhook payload, so receivers written for Alertmanager work unchanged. */
export const webhookNotifier = defineNotifier({
  type: 'webhook',
  label: 'Webhook (JSON POST)',
  doc: 'webhook POSTs an Alertmanager-compatible (version 4) JSON payload to a URL.',
  fields,
  check(c, path) {
    const issues: ConfigIssue[] = [];
    checkHttpUrl(c.url, `${path}.url`, issues);
    checkAuthPair(c, path, issues);
    return issues;
  },
  create(c) {
    const headers = authHeader(c);
    const secrets = [c.url, c.bearer_token, c.password];
    return {
      send(n, signal) {
        // The notification id lets a receiver drop the repeats an at-least-once delivery can produce.
        return postJson(c.url, webhookMessage(n, c.max_alerts), { signal, secrets, headers: { ...headers, 'x-etcd-monitor-notification-id': n.id } });
      },
    };
  },
});
