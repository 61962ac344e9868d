import { tryDuration } from '@etcd-monitor/core/parse';
import type { Channel } from '../../api/types/channel.ts';

/** ChannelType is a built-in channel type of the monitor. */
export type ChannelType = 'email' | 'slack' | 'pagerduty' | 'webhook' | 'alertmanager';

/** FieldDef describes one key of a channel type as the form shows it. */
export interface FieldDef {
  /** key is the API's (and the config file's) key. */
  key: string;
  label: string;
  /** kind is how the value is typed: a secret is write-only, a list is comma or line separated. */
  kind: 'text' | 'secret' | 'list' | 'integer' | 'duration' | 'boolean' | 'select';
  required?: boolean;
  description?: string;
  placeholder?: string;
  options?: string[];
  /** check is url (absolute http(s)), address (one mail address) or key (a PagerDuty integration key). */
  check?: 'url' | 'address' | 'key';
}

/** CHANNEL_TYPES lists every channel type with its keys, as in docs/alerting-channels.md. */
export const CHANNEL_TYPES: Record<ChannelType, { label: string; fields: FieldDef[] }> = {
  webhook: {
    label: 'Webhook (JSON POST)',
    fields: [
      { key: 'url', label: 'URL', kind: 'secret', required: true, check: 'url', placeholder: 'https://hooks.example.com/etcd' },
      { key: 'bearer_token', label: 'Bearer token', kind: 'secret' },
      { key: 'username', label: 'Basic-auth user', kind: 'text' },
      { key: 'password', label: 'Basic-auth password', kind: 'secret' },
      { key: 'max_alerts', label: 'Max alerts per message', kind: 'integer', description: '0: no cap', placeholder: '0' },
    ],
  },
  slack: {
    label: 'Slack incoming webhook',
    fields: [
      { key: 'url', label: 'Webhook URL', kind: 'secret', required: true, check: 'url', placeholder: 'https://hooks.slack.com/services/…' },
      { key: 'channel', label: 'Channel override', kind: 'text', placeholder: '#etcd-alerts', description: 'Legacy webhooks only' },
      { key: 'username', label: 'Poster name', kind: 'text', description: 'Legacy webhooks only' },
      { key: 'icon_emoji', label: 'Icon emoji', kind: 'text', placeholder: ':rotating_light:' },
    ],
  },
  email: {
    label: 'Email (SMTP)',
    fields: [
      { key: 'host', label: 'SMTP host', kind: 'text', required: true, placeholder: 'smtp.example.com' },
      { key: 'port', label: 'Port', kind: 'integer', placeholder: '587', description: '587 STARTTLS, 465 implicit TLS, 25 relay' },
      { key: 'from', label: 'From', kind: 'text', required: true, check: 'address', placeholder: 'etcd-monitor <alerts@example.com>' },
      { key: 'to', label: 'To', kind: 'list', required: true, check: 'address', placeholder: 'oncall@example.com, etcd-team@example.com', description: 'Comma or line separated' },
      { key: 'username', label: 'SMTP user', kind: 'text' },
      { key: 'password', label: 'SMTP password', kind: 'secret' },
      { key: 'secure', label: 'Implicit TLS (port 465)', kind: 'boolean' },
      { key: 'require_tls', label: 'Require STARTTLS', kind: 'boolean' },
      { key: 'insecure_skip_verify', label: 'Skip certificate verification (testing only)', kind: 'boolean' },
      { key: 'ca_file', label: 'CA file', kind: 'text', description: 'PEM file on the monitor host' },
      { key: 'hello', label: 'EHLO name', kind: 'text' },
    ],
  },
  pagerduty: {
    label: 'PagerDuty (Events API v2)',
    fields: [
      { key: 'routing_key', label: 'Integration key', kind: 'secret', required: true, check: 'key' },
      { key: 'severity', label: 'Fixed severity', kind: 'select', options: ['critical', 'error', 'warning', 'info'], description: 'Default: from the alerts' },
      { key: 'source', label: 'Source', kind: 'text', description: 'Default: the cluster label' },
      { key: 'url', label: 'Events URL', kind: 'text', check: 'url', placeholder: 'https://events.pagerduty.com/v2/enqueue' },
    ],
  },
  alertmanager: {
    label: 'Alertmanager',
    fields: [
      { key: 'url', label: 'Alertmanager URL', kind: 'text', required: true, check: 'url', placeholder: 'http://alertmanager:9093' },
      { key: 'firing_ttl', label: 'Firing TTL', kind: 'duration', placeholder: '5h', description: 'Keep above the route\'s repeat interval' },
      { key: 'bearer_token', label: 'Bearer token', kind: 'secret' },
      { key: 'username', label: 'Basic-auth user', kind: 'text' },
      { key: 'password', label: 'Basic-auth password', kind: 'secret' },
    ],
  },
};

/** DEFAULT_BOOLEANS are the boolean keys whose default is true. */
const DEFAULT_TRUE = new Set(['require_tls']);

/** ChannelValues are the channel form's raw inputs: text as typed, booleans as checked; secrets are write-only. */
export interface ChannelValues {
  name: string;
  type: ChannelType;
  fields: Record<string, string | boolean>;
  /** stored names the secret keys the monitor already holds for this channel: blank keeps them. */
  stored: string[];
  /** clear names the stored secrets to remove. */
  clear: string[];
}

/** emptyChannel is a new channel form of the given type. */
export function emptyChannel(type: ChannelType = 'webhook', name = ''): ChannelValues {
  const fields: Record<string, string | boolean> = {};
  for (const f of CHANNEL_TYPES[type].fields) fields[f.key] = f.kind === 'boolean' ? DEFAULT_TRUE.has(f.key) : '';
  return { name, type, fields, stored: [], clear: [] };
}

/** msText writes milliseconds in the largest whole unit, as the config file would (`5h`, `90s`). */
export function msText(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** fromChannel fills the form from a channel of `GET /api/v1/channels`: settings as text, secrets blank but remembered as stored. */
export function fromChannel(c: Channel): ChannelValues {
  const type = (c.type in CHANNEL_TYPES ? c.type : 'webhook') as ChannelType;
  const v = emptyChannel(type, c.name);
  const config = c.config ?? {};
  for (const f of CHANNEL_TYPES[type].fields) {
    const x = config[f.key];
    if (x === undefined || x === null || f.kind === 'secret') continue;
    if (f.kind === 'boolean') v.fields[f.key] = x === true;
    else if (f.kind === 'list') v.fields[f.key] = Array.isArray(x) ? x.join(', ') : String(x);
    else if (f.kind === 'duration' && typeof x === 'number') v.fields[f.key] = msText(x);
    else v.fields[f.key] = String(x);
  }
  v.stored = Object.keys(c.secrets ?? {});
  return v;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const ADDRESS = /^(?:[^<>@]*<([^\s<>@]+@[^\s<>@]+)>|([^\s<>@,;]+@[^\s<>@,;]+))$/;

/** listItems splits a list field on commas and new lines. */
export function listItems(s: string): string[] {
  return s.split(/[,\n]/).map((x) => x.trim()).filter(Boolean);
}

function isHttpUrl(s: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(s).protocol);
  } catch {
    return false;
  }
}

/** validateChannel checks the form the way the monitor will, so mistakes show at the field before a round trip; keys are `name` or a field key. */
export function validateChannel(v: ChannelValues): Record<string, string> {
  const e: Record<string, string> = {};
  if (!v.name.trim()) e.name = 'Required: a unique name for the channel.';
  else if (!NAME.test(v.name.trim())) e.name = 'Use letters, digits, "-", "_" or "." only (at most 63), starting with a letter or digit.';
  for (const f of CHANNEL_TYPES[v.type].fields) {
    const raw = v.fields[f.key];
    if (typeof raw === 'boolean') continue;
    const s = (raw ?? '').trim();
    if (!s) {
      const kept = f.kind === 'secret' && v.stored.includes(f.key) && !v.clear.includes(f.key);
      if (f.required && !kept) e[f.key] = `Required: ${f.label}.`;
      continue;
    }
    if (f.kind === 'integer' && !/^\d+$/.test(s)) e[f.key] = 'Write a whole number.';
    else if (f.kind === 'duration' && tryDuration(s) === undefined) e[f.key] = 'Write a duration such as 30s, 5m or 5h.';
    else if (f.check === 'url' && !isHttpUrl(s)) e[f.key] = 'Write an absolute URL such as https://host:port/path.';
    else if (f.check === 'key' && !/^[A-Za-z0-9]{8,64}$/.test(s)) e[f.key] = 'Copy the 32-character Integration Key of an Events API v2 integration.';
    else if (f.check === 'address') {
      const bad = (f.kind === 'list' ? listItems(s) : [s]).find((a) => !ADDRESS.test(a));
      if (bad !== undefined) e[f.key] = `"${bad}" is not a mail address, e.g. ops@example.com or Ops <ops@example.com>.`;
    }
  }
  const user = String(v.fields.username ?? '').trim();
  const hasPassword = String(v.fields.password ?? '').trim() !== '' || (v.stored.includes('password') && !v.clear.includes('password'));
  if ('password' in v.fields && user && !hasPassword && !e.password) e.password = 'Required with a user: set both, or neither.';
  if ('password' in v.fields && !user && String(v.fields.password ?? '').trim() && !e.username) e.username = 'Required with a password: set both, or neither.';
  return e;
}

/**
 * toChannelInput is the body of `PUT /api/v1/channels/NAME`: blank keys are left out (a blank secret keeps the stored
 * one), secrets marked to clear are sent as null, integers as numbers and lists as arrays.
 */
export function toChannelInput(v: ChannelValues): Record<string, unknown> {
  const body: Record<string, unknown> = { type: v.type };
  for (const f of CHANNEL_TYPES[v.type].fields) {
    const raw = v.fields[f.key];
    if (f.kind === 'boolean') {
      body[f.key] = raw === true;
      continue;
    }
    const s = String(raw ?? '').trim();
    if (f.kind === 'secret' && v.clear.includes(f.key) && !s) body[f.key] = null;
    if (!s) continue;
    body[f.key] = f.kind === 'integer' ? Number(s) : f.kind === 'list' ? listItems(s) : s;
  }
  return body;
}

/** channelField maps a field the API names in a 400 (body.url, channels[0].to[1], name) to the form key that shows it. */
export function channelField(field: string | undefined, type: ChannelType): string | undefined {
  const last = field?.split('.').pop()?.replace(/\[\d+\]$/, '');
  if (last === 'name' || last === 'type') return last;
  return CHANNEL_TYPES[type].fields.some((f) => f.key === last) ? last : undefined;
}

// Keys every channel view has; the rest are the type's settings.
const META = new Set(['name', 'type', 'source', 'pending', 'config', 'secrets']);

/** channelSettings lists a channel's settings and secrets as `key=value` (secrets arrive as [redacted]). */
export function channelSettings(c: Record<string, unknown>): string[] {
  const flat = { ...(c.config as Record<string, unknown> | undefined), ...(c.secrets as Record<string, unknown> | undefined), ...Object.fromEntries(Object.entries(c).filter(([k]) => !META.has(k))) };
  return Object.entries(flat).filter(([, x]) => x !== undefined && x !== null && x !== '').map(([k, x]) => `${k}=${typeof x === 'string' ? x : JSON.stringify(x)}`);
}
