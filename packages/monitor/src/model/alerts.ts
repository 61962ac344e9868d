// The contract between the alerting stages: rules evaluate into alerts, the dispatcher groups, inhibits, silences and
// routes them into notifications, and delivery hands each notification to a channel's notifier (transport only).

/** AlertSeverity ranks an alert. */
export type AlertSeverity = 'critical' | 'warning' | 'info';

/** AlertState is where an alert is in its lifecycle. */
export type AlertState = 'pending' | 'firing' | 'resolved';

/** Alert is one alert instance, identified by its labels' fingerprint. */
export interface Alert {
  /** fingerprint is a stable hash of the sorted labels; it is the dedup key receivers can collapse on. */
  fingerprint: string;
  /** labels identify the alert: alertname, severity, cluster, member?, and the rule's own labels. */
  labels: Record<string, string>;
  /** annotations are the rendered summary, description and runbook hint. */
  annotations: { summary: string; description?: string; runbook?: string };
  /** state is pending, firing or resolved. */
  state: AlertState;
  /** value is the expression's value when last evaluated. */
  value?: number;
  /** activeAt is when the condition first held (ms). */
  activeAt: number;
  /** startsAt is when the alert started firing (ms), after its `for` duration. */
  startsAt?: number;
  /** endsAt is when it resolved (ms). */
  endsAt?: number;
}

/** Notification is what one channel is sent for one alert group at one time. */
export interface Notification {
  /** id is unique per notification (the outbox key). */
  id: string;
  /** channel is the receiving channel's name. */
  channel: string;
  /** groupKey identifies the alert group (route + group_by label values). */
  groupKey: string;
  /** status is `firing` if any alert in the group fires, else `resolved`. */
  status: 'firing' | 'resolved';
  /** alerts are the group's alerts (firing and just resolved). */
  alerts: Alert[];
  /** groupLabels are the group_by labels and their values. */
  groupLabels: Record<string, string>;
  /** commonLabels are the labels every alert in the group shares. */
  commonLabels: Record<string, string>;
  /** externalUrl links back to the monitor. */
  externalUrl: string;
  /** createdAt is when the dispatcher produced it (ms). */
  createdAt: number;
  /** test marks a "send test notification" action. */
  test?: boolean;
}

/** SendResult is what a notifier returns: whether a failure is worth retrying (5xx, timeouts) or permanent (4xx). */
export interface SendResult {
  /** ok tells whether the receiver accepted the notification. */
  ok: boolean;
  /** retry tells whether a failed send may succeed later. */
  retry: boolean;
  /** error says what went wrong, without secrets. */
  error?: string;
  /** status is the receiver's HTTP status or SMTP reply code, when there is one. */
  status?: number;
}

/** AlertHistoryQuery selects past alerts; fields combine with AND. */
export interface AlertHistoryQuery {
  /** cluster keeps alerts of this cluster. */
  cluster?: string;
  /** alertname keeps alerts of this rule. */
  alertname?: string;
  /** fingerprint keeps the occurrences of one alert. */
  fingerprint?: string;
  /** since keeps alerts active at or after this time (ms). */
  since?: number;
  /** until keeps alerts that became active at or before this time (ms). */
  until?: number;
  /** limit caps the answer, newest first; default 1000. */
  limit?: number;
}
