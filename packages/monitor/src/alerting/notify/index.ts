import { inspect } from 'node:util';
import { AppError, didYouMean, formatIssue, readFields, type ConfigIssue } from '@etcd-monitor/core';
import { capped } from '../../field-limits.ts';
import type { Notifier, Sender } from './notifier.ts';
import type { ChannelTypeView } from '../../api/contract.ts';
import { emailNotifier } from './email/email.ts';
import { slackNotifier } from './slack/slack.ts';
import { pagerDutyNotifier } from './pagerduty/pagerduty.ts';
import { webhookNotifier } from './webhook/webhook.ts';
import { alertmanagerNotifier } from './alertmanager/alertmanager.ts';

export { defineNotifier, notifierFields, type Notifier, type NotifierField, type Sender } from './notifier.ts';

/** notifiers lists every built-in channel type by its `type` value. */
export const notifiers = {
  email: emailNotifier,
  slack: slackNotifier,
  pagerduty: pagerDutyNotifier,
  webhook: webhookNotifier,
  alertmanager: alertmanagerNotifier,
} as const satisfies Record<string, Notifier<never>>;

/** channelTypes describes every channel type and its keys (types, secrets, defaults, form hints) for `GET /api/v1/channel-types`, so forms are built from the notifiers themselves. */
export function channelTypes(): ChannelTypeView[] {
  return Object.values(notifiers).map((n: Notifier<never>) => ({
    type: n.type,
    label: n.label,
    doc: n.doc,
    fields: Object.entries(n.fields).map(([key, f]) => ({
      key,
      label: f.label,
      kind: f.kind,
      doc: f.doc,
      secret: f.secret === true,
      required: f.required === true,
      ...(f.default !== undefined ? { default: f.default } : {}),
      ...(f.oneOf ? { options: [...f.oneOf] } : {}),
      ...(f.placeholder !== undefined ? { placeholder: f.placeholder } : {}),
      ...(f.hint !== undefined ? { hint: f.hint } : {}),
      ...(f.check !== undefined ? { check: f.check } : {}),
      ...(f.aliases?.length ? { aliases: [...f.aliases] } : {}),
    })),
  }));
}

/** ChannelType is the `type` of a built-in channel. */
export type ChannelType = keyof typeof notifiers;

/** ChannelConfig is a checked `[[channels]]` table: non-secret settings apart from secrets, which serialise as `[redacted]`. */
export interface ChannelConfig {
  /** name is the channel's unique name, which routes and the outbox refer to. */
  name: string;
  /** type is the channel type. */
  type: ChannelType;
  /** config holds the type's non-secret keys, defaults applied (durations in ms). */
  config: Record<string, unknown>;
  /** secrets holds the decrypted secret keys; JSON.stringify and util.inspect show them as `[redacted]`. */
  secrets: Record<string, string>;
}

/** ValidateChannelResult is a checked channel, or the issues that stop it, each naming its key path. */
export type ValidateChannelResult = { ok: true; channel: ChannelConfig } | { ok: false; issues: ConfigIssue[] };

/** ValidateChannelOptions adjust validateChannel. */
export interface ValidateChannelOptions {
  /** openSecret decrypts a stored secret value (SecretBox.open); values that are not sealed pass through it unchanged. */
  openSecret?: (value: string) => string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** RedactedChannel is a channel with each secret value replaced by `[redacted]`: what it serialises as. */
export type RedactedChannel = Omit<ChannelConfig, 'secrets'> & { secrets: Record<string, '[redacted]'> };

/** redacted returns the channel with its secret values replaced by `[redacted]`. */
export function redacted(ch: ChannelConfig): RedactedChannel {
  return { name: ch.name, type: ch.type, config: ch.config, secrets: Object.fromEntries(Object.keys(ch.secrets).map((k) => [k, '[redacted]' as const])) };
}

/** makeChannel builds a ChannelConfig whose toJSON and util.inspect forms hide the secret values. */
export function makeChannel(name: string, type: ChannelType, config: Record<string, unknown>, secrets: Record<string, string>): ChannelConfig {
  const ch: ChannelConfig = { name, type, config, secrets };
  Object.defineProperty(ch, 'toJSON', { value: () => redacted(ch), enumerable: false });
  Object.defineProperty(ch, inspect.custom, { value: () => redacted(ch), enumerable: false });
  Object.defineProperty(secrets, 'toJSON', { value: () => redacted(ch).secrets, enumerable: false });
  Object.defineProperty(secrets, inspect.custom, { value: () => redacted(ch).secrets, enumerable: false });
  return ch;
}

/** validateChannel checks one `[[channels]]` table (`name`, `type` and the type's keys) and returns a typed channel or issues under path. */
export function validateChannel(raw: unknown, path: string, opts: ValidateChannelOptions = {}): ValidateChannelResult {
  const issues: ConfigIssue[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, issues: [{ path, message: 'expected a table' }] };
  const { name, type, ...rest } = raw as Record<string, unknown>;
  if (typeof name !== 'string' || !NAME.test(name)) {
    issues.push({
      path: `${path}.name`,
      message: name === undefined ? 'is required' : 'is not a valid channel name',
      hint: 'use letters, digits, "_", "-" or "." (at most 63), e.g. "ops-slack"',
    });
  }
  if (typeof type !== 'string' || !(type in notifiers)) {
    issues.push({
      path: `${path}.type`,
      message: type === undefined ? 'is required' : `unknown channel type ${JSON.stringify(type)}`,
      hint: (typeof type === 'string' ? didYouMean(type, Object.keys(notifiers)) : undefined) ?? `use one of ${Object.keys(notifiers).join(', ')}`,
    });
    return { ok: false, issues };
  }
  const notifier = notifiers[type as ChannelType] as unknown as Notifier<Record<string, unknown>>;
  const values = readFields(rest, capped(notifier.fields), path, issues);
  for (const k of notifier.secretFields) {
    const v = values[k];
    if (typeof v !== 'string' || !opts.openSecret) continue;
    try {
      values[k] = opts.openSecret(v);
    } catch (err) {
      issues.push({ path: `${path}.${k}`, message: 'cannot be decrypted', hint: err instanceof AppError && err.hint ? err.hint : 'enter the secret again' });
    }
  }
  // A key that already failed (wrong type, undecryptable) gets no second, derived complaint from check.
  const failed = new Set(issues.map((i) => i.path));
  issues.push(...(notifier.check?.(values, path) ?? []).filter((i) => !failed.has(i.path)));
  if (issues.length > 0) return { ok: false, issues };
  const config: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    if (notifier.secretFields.includes(k)) secrets[k] = String(v);
    else config[k] = v;
  }
  return { ok: true, channel: makeChannel(name as string, type as ChannelType, config, secrets) };
}

/** validateChannels checks a `[[channels]]` array: each table, and that names are unique. */
export function validateChannels(raw: unknown, path = 'channels', opts: ValidateChannelOptions = {}): { channels: ChannelConfig[]; issues: ConfigIssue[] } {
  if (raw === undefined) return { channels: [], issues: [] };
  if (!Array.isArray(raw)) return { channels: [], issues: [{ path, message: 'expected an array of tables', hint: 'write each channel as a [[channels]] table' }] };
  const channels: ChannelConfig[] = [];
  const issues: ConfigIssue[] = [];
  const seen = new Set<string>();
  raw.forEach((t, i) => {
    const r = validateChannel(t, `${path}[${i}]`, opts);
    if (!r.ok) return void issues.push(...r.issues);
    if (seen.has(r.channel.name))
      return void issues.push({ path: `${path}[${i}].name`, message: `duplicate channel name "${r.channel.name}"`, hint: 'give every channel its own name' });
    seen.add(r.channel.name);
    channels.push(r.channel);
  });
  return { channels, issues };
}

/** parseChannel is validateChannel that throws AppError MON_CHANNEL_CONFIG listing every issue. */
export function parseChannel(raw: unknown, path: string, opts: ValidateChannelOptions = {}): ChannelConfig {
  const r = validateChannel(raw, path, opts);
  if (r.ok) return r.channel;
  throw new AppError('MON_CHANNEL_CONFIG', `invalid channel: ${r.issues.map(formatIssue).join('; ')}`, { field: r.issues[0]?.path });
}

/** createSender builds a checked channel's transport, secrets included. */
export function createSender(ch: ChannelConfig): Sender {
  const notifier = notifiers[ch.type] as unknown as Notifier<Record<string, unknown>>;
  return notifier.create({ ...ch.config, ...ch.secrets });
}
