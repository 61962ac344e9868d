import { tryDuration } from '@etcd-monitor/core/parse';
import type { Channel, ChannelFieldView, ChannelTypeView } from '@etcd-monitor/monitor/contract';

/** ChannelType is the `type` of a channel type the monitor lists at `GET /api/v1/channel-types`. */
export type ChannelType = string;

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
  /** checked is a boolean's initial state in a new channel (its default). */
  checked?: boolean;
}

/** ChannelTypes are the channel types with their form fields, by type, in the monitor's order. */
export type ChannelTypes = Record<ChannelType, { label: string; fields: FieldDef[] }>;

function formKind(f: ChannelFieldView): FieldDef['kind'] {
  if (f.secret) return 'secret';
  if (f.kind === 'boolean') return 'boolean';
  if (f.kind === 'strings') return 'list';
  if (f.kind === 'integer' || f.kind === 'number') return 'integer';
  if (f.kind === 'duration') return 'duration';
  return f.options ? 'select' : 'text';
}

/** channelTypeDefs turns `GET /api/v1/channel-types` into form fields: the monitor's notifiers say which keys exist, their types, secrets and defaults. */
export function channelTypeDefs(views: ChannelTypeView[]): ChannelTypes {
  const out: ChannelTypes = {};
  for (const t of views) {
    out[t.type] = {
      label: t.label,
      fields: t.fields.map((f) => {
        const kind = formKind(f);
        const placeholder = f.placeholder ?? (f.default !== undefined && kind !== 'boolean' && kind !== 'select' ? String(f.default) : undefined);
        return {
          key: f.key,
          label: f.label,
          kind,
          ...(f.required ? { required: true } : {}),
          ...(f.hint !== undefined ? { description: f.hint } : {}),
          ...(placeholder !== undefined ? { placeholder } : {}),
          ...(f.options ? { options: f.options } : {}),
          ...(f.check ? { check: f.check } : {}),
          ...(kind === 'boolean' ? { checked: f.default === true } : {}),
        };
      }),
    };
  }
  return out;
}

function fieldsOf(types: ChannelTypes, type: ChannelType): FieldDef[] {
  return types[type]?.fields ?? [];
}

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

/** emptyChannel is a new channel form of the given type (default: webhook, else the first type). */
// The parentheses around the default must stay: Node's type stripper fails on a bare `in` in a parameter default.
// prettier-ignore
export function emptyChannel(types: ChannelTypes, type: ChannelType = ('webhook' in types ? 'webhook' : (Object.keys(types)[0] ?? 'webhook')), name = ''): ChannelValues {
  const fields: Record<string, string | boolean> = {};
  for (const f of fieldsOf(types, type)) fields[f.key] = f.kind === 'boolean' ? f.checked === true : '';
  return { name, type, fields, stored: [], clear: [] };
}

/** msText writes milliseconds in the largest whole unit, as the config file would (`5h`, `90s`). */
export function msText(ms: number): string {
  if (ms === 0) return '0s';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** fromChannel fills the form from a channel of `GET /api/v1/channels`: settings as text, secrets blank but remembered as stored. */
export function fromChannel(types: ChannelTypes, c: Channel): ChannelValues {
  const v = c.type in types ? emptyChannel(types, c.type, c.name) : emptyChannel(types, undefined, c.name);
  const config = c.config ?? {};
  for (const f of fieldsOf(types, v.type)) {
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
  return s
    .split(/[,\n]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

function isHttpUrl(s: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(s).protocol);
  } catch {
    return false;
  }
}

/** validateChannel checks the form the way the monitor will, so mistakes show at the field before a round trip; keys are `name` or a field key. */
export function validateChannel(types: ChannelTypes, v: ChannelValues): Record<string, string> {
  const e: Record<string, string> = {};
  if (!v.name.trim()) e.name = 'Required: a unique name for the channel.';
  else if (!NAME.test(v.name.trim())) e.name = 'Use letters, digits, "-", "_" or "." only (at most 63), starting with a letter or digit.';
  for (const f of fieldsOf(types, v.type)) {
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
export function toChannelInput(types: ChannelTypes, v: ChannelValues): Record<string, unknown> {
  const body: Record<string, unknown> = { type: v.type };
  for (const f of fieldsOf(types, v.type)) {
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
export function channelField(types: ChannelTypes, field: string | undefined, type: ChannelType): string | undefined {
  const last = field
    ?.split('.')
    .pop()
    ?.replace(/\[\d+\]$/, '');
  if (last === 'name' || last === 'type') return last;
  return fieldsOf(types, type).some((f) => f.key === last) ? last : undefined;
}

// Keys every channel view has; the rest are the type's settings.
const META = new Set(['name', 'type', 'source', 'pending', 'config', 'secrets']);

/** channelSettings lists a channel's settings and secrets as `key=value` (secrets arrive as [redacted]). */
export function channelSettings(c: Record<string, unknown>): string[] {
  const flat = {
    ...(c.config as Record<string, unknown> | undefined),
    ...(c.secrets as Record<string, unknown> | undefined),
    ...Object.fromEntries(Object.entries(c).filter(([k]) => !META.has(k))),
  };
  return Object.entries(flat)
    .filter(([, x]) => x !== undefined && x !== null && x !== '')
    .map(([k, x]) => `${k}=${typeof x === 'string' ? x : JSON.stringify(x)}`);
}
