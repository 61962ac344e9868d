import type { ConfigIssue, FieldValues } from '@etcd-monitor/core';
import type { Notification } from '../../types.ts';
import { defineNotifier, notifierFields } from '../notifier.ts';
import { authHeader, checkAuthPair, checkHttpUrl } from '../checks.ts';
import { postJson } from '../http.ts';
import { annotationsOf, isoTime } from '../render.ts';

/** PostableAlert is one alert in Alertmanager's `POST /api/v2/alerts` body. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

/**
 * postableAlerts converts n's alerts to Alertmanager's format. A resolved alert carries its real end; a firing one ends
 * firing_ttl after the notification, because Alertmanager resolves alerts nobody re-sends, and the dispatcher only
 * re-sends a firing group every repeat_interval (4 h by default).
 */
export function postableAlerts(n: Notification, firingTtlMs: number, now = Date.now()): PostableAlert[] {
  let generatorURL: string | undefined;
  try {
    // Alertmanager rejects the whole batch when generatorURL is not a URL.
    generatorURL = n.externalUrl ? new URL(n.externalUrl).toString() : undefined;
  } catch {
    generatorURL = undefined;
  }
  return n.alerts.map((a) => ({
    labels: a.labels,
    annotations: annotationsOf(a),
    startsAt: isoTime(a.startsAt ?? a.activeAt),
    endsAt: a.state === 'resolved' ? isoTime(a.endsAt ?? now) : isoTime(Math.max(now, n.createdAt) + firingTtlMs),
    ...(generatorURL ? { generatorURL } : {}),
  }));
}

const fields = notifierFields({
  url: {
    label: 'Alertmanager URL',
    check: 'url',
    placeholder: 'http://alertmanager:9093',
    kind: 'string',
    required: true,
    doc: 'url is the Alertmanager\'s base URL, e.g. "http://alertmanager:9093"; alerts are POSTed to {url}/api/v2/alerts.',
  },
  firing_ttl: {
    label: 'Firing TTL',
    hint: "Keep above the route's repeat interval",
    kind: 'duration',
    default: '5h',
    min: 60_000,
    max: 30 * 86_400_000,
    doc: "firing_ttl is how long Alertmanager keeps a forwarded firing alert active without a re-send; keep it above the route's repeat_interval.",
  },
  bearer_token: {
    label: 'Bearer token',
    secret: true,
    kind: 'string',
    doc: 'bearer_token is sent as `Authorization: Bearer <token>`, for an authenticating proxy in front of Alertmanager.',
  },
  username: { label: 'Basic-auth user', kind: 'string', doc: 'username is the basic-auth user, sent with password.' },
  password: { label: 'Basic-auth password', secret: true, kind: 'string', doc: 'password is the basic-auth password.' },
});

/** AlertmanagerConfig is a checked `type = "alertmanager"` channel. */
export type AlertmanagerConfig = FieldValues<typeof fields>;

/** alertmanagerNotifier forwards alerts to an existing Alertmanager, which then does its own routing and notifying. */
export const alertmanagerNotifier = defineNotifier({
  type: 'alertmanager',
  label: 'Alertmanager',
  doc: 'alertmanager forwards the alerts to an existing Prometheus Alertmanager (POST /api/v2/alerts).',
  fields,
  check(c, path) {
    const issues: ConfigIssue[] = [];
    checkHttpUrl(c.url, `${path}.url`, issues);
    checkAuthPair(c, path, issues);
    return issues;
  },
  create(c) {
    const endpoint = `${c.url.replace(/\/+$/, '')}/api/v2/alerts`;
    const headers = authHeader(c);
    // The URL is not secret as such, but may carry basic-auth credentials (http://user:pass@host).
    const secrets = [c.bearer_token, c.password, decodeURIComponent(new URL(c.url).password)];
    return { send: (n, signal) => postJson(endpoint, postableAlerts(n, c.firing_ttl), { signal, headers, secrets }) };
  },
});
