import type { ConfigIssue, FieldValues } from '@etcd-monitor/core';
import type { Notification } from '../../types.ts';
import { defineNotifier, notifierFields } from '../notifier.ts';
import { checkHttpUrl } from '../checks.ts';
import { postJson } from '../http.ts';
import { alertStatus, title } from '../render.ts';

// Slack rejects messages with more than 50 blocks and section text over 3000 characters.
const MAX_ALERT_BLOCKS = 20;
const MAX_TEXT = 2900;

/** slackEscape escapes the three characters Slack's mrkdwn treats as control characters. */
export function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** slackMessage builds the incoming-webhook payload of n: a header, one section per alert, and a link back. */
export function slackMessage(n: Notification, c: Pick<SlackConfig, 'channel' | 'username' | 'icon_emoji'> = {}): Record<string, unknown> {
  const head = title(n);
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: { type: 'plain_text', text: clip(head, 150) } }];
  if (n.test) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: 'This is a test notification from etcd-monitor; no alert is firing.' } });
  for (const a of n.alerts.slice(0, MAX_ALERT_BLOCKS)) {
    const icon = alertStatus(a) === 'firing' ? ':red_circle:' : ':large_green_circle:';
    const lines = [`${icon} *${slackEscape(a.annotations.summary)}*`];
    if (a.annotations.description) lines.push(slackEscape(a.annotations.description));
    const labels = Object.keys(a.labels)
      .sort()
      .map((k) => `\`${k}=${slackEscape(a.labels[k]!)}\``);
    lines.push(labels.join(' '));
    if (a.annotations.runbook) lines.push(`Runbook: ${slackEscape(a.annotations.runbook)}`);
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), MAX_TEXT) } });
  }
  const more = n.alerts.length - MAX_ALERT_BLOCKS;
  const context: string[] = [];
  if (more > 0) context.push(`…and ${more} more alerts`);
  if (n.externalUrl) context.push(`<${n.externalUrl}|Open the monitor>`);
  if (context.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' · ') }] });
  return {
    // text is the notification fallback (mobile push, screen readers) when blocks are present.
    text: head,
    blocks,
    ...(c.channel ? { channel: c.channel } : {}),
    ...(c.username ? { username: c.username } : {}),
    ...(c.icon_emoji ? { icon_emoji: c.icon_emoji } : {}),
  };
}

const fields = notifierFields({
  url: {
    label: 'Webhook URL',
    secret: true,
    check: 'url',
    placeholder: 'https://hooks.slack.com/services/…',
    kind: 'string',
    required: true,
    aliases: ['api_url', 'webhook_url'],
    doc: 'url is the Slack incoming-webhook URL (https://hooks.slack.com/services/…); it is the credential and stored encrypted.',
  },
  channel: {
    label: 'Channel override',
    placeholder: '#etcd-alerts',
    hint: 'Legacy webhooks only',
    kind: 'string',
    doc: 'channel overrides the webhook\'s channel, e.g. "#etcd-alerts" (honoured by legacy webhooks only).',
  },
  username: { label: 'Poster name', hint: 'Legacy webhooks only', kind: 'string', doc: 'username overrides the name the message is posted under (legacy webhooks only).' },
  icon_emoji: { label: 'Icon emoji', placeholder: ':rotating_light:', kind: 'string', doc: 'icon_emoji overrides the poster\'s icon, e.g. ":rotating_light:".' },
});

/** SlackConfig is a checked `type = "slack"` channel. */
export type SlackConfig = FieldValues<typeof fields>;

/** slackNotifier posts to a Slack incoming webhook with Block Kit sections and a plain-text fallback. */
export const slackNotifier = defineNotifier({
  type: 'slack',
  label: 'Slack incoming webhook',
  doc: 'slack posts to a Slack incoming webhook.',
  fields,
  check(c, path) {
    const issues: ConfigIssue[] = [];
    checkHttpUrl(c.url, `${path}.url`, issues);
    return issues;
  },
  create(c) {
    return { send: (n, signal) => postJson(c.url, slackMessage(n, c), { signal, secrets: [c.url] }) };
  },
});
