import { existsSync, readFileSync } from 'node:fs';
import type { Transporter } from 'nodemailer';
import type { ConfigIssue, FieldValues } from '@etcd-monitor/core';
import type { Notification, SendResult } from '../../types.ts';
import { defineNotifier, notifierFields } from '../notifier.ts';
import { checkAddress } from '../checks.ts';
import { scrub } from '../http.ts';
import { groupKeyHash, htmlBody, textBody, title } from '../render.ts';

/** emailMessage renders n as the mail fields nodemailer takes: subject, text, html and dedup headers. */
export function emailMessage(n: Notification): { subject: string; text: string; html: string; messageId: string; headers: Record<string, string> } {
  return {
    subject: title(n),
    text: textBody(n),
    html: htmlBody(n),
    // A retried send reuses the Message-ID, so mail systems and readers can fold the repeats of at-least-once delivery.
    messageId: `<${n.id}@etcd-monitor>`,
    headers: { 'X-Etcd-Monitor-Group-Key': groupKeyHash(n.groupKey), 'X-Etcd-Monitor-Status': n.status },
  };
}

// Codes of failures that end a connection rather than refuse the message: worth another attempt.
const TRANSIENT = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'EPROXY', 'EABORT', 'ECONNREFUSED', 'ECONNRESET']);

/** classifySmtpError maps a nodemailer error: SMTP 4xx replies and connection failures retry; 5xx replies, auth and TLS setup errors are permanent. */
export function classifySmtpError(err: unknown, secrets: readonly (string | undefined)[]): SendResult {
  const e = err as { code?: string; responseCode?: number; message?: string };
  const message = scrub(`${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`, secrets);
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (status !== undefined) return { ok: false, retry: status >= 400 && status < 500, status, error: message };
  if (/certificate|CERT_|self.signed|wrong version number/i.test(message))
    return { ok: false, retry: false, error: `${message} (check ca_file, secure and the server's certificate)` };
  if (e.code === 'ETLS' || e.code === 'EAUTH' || e.code === 'ENOAUTH' || e.code === 'EENVELOPE' || e.code === 'ECONFIG' || e.code === 'EREQUIRETLS')
    return { ok: false, retry: false, error: message };
  return { ok: false, retry: e.code === undefined || TRANSIENT.has(e.code), error: message };
}

const fields = notifierFields({
  host: { label: 'SMTP host', placeholder: 'smtp.example.com', kind: 'string', required: true, aliases: ['smarthost'], doc: "host is the SMTP server's name or address." },
  port: {
    label: 'Port',
    hint: '587 STARTTLS, 465 implicit TLS, 25 relay',
    kind: 'integer',
    default: 587,
    min: 1,
    max: 65535,
    doc: 'port is the SMTP port: 587 for submission with STARTTLS, 465 for implicit TLS, 25 for relay.',
  },
  from: {
    label: 'From',
    check: 'address',
    placeholder: 'etcd-monitor <alerts@example.com>',
    kind: 'string',
    required: true,
    doc: 'from is the sender, e.g. "etcd-monitor <monitor@example.com>".',
  },
  to: {
    label: 'To',
    check: 'address',
    placeholder: 'oncall@example.com, etcd-team@example.com',
    hint: 'Comma or line separated',
    kind: 'strings',
    required: true,
    doc: 'to lists the recipients (a single address is accepted as a list of one).',
  },
  username: { label: 'SMTP user', kind: 'string', aliases: ['auth_username'], doc: 'username is the SMTP AUTH user; leave it out for a relay without authentication.' },
  password: { label: 'SMTP password', secret: true, kind: 'string', aliases: ['auth_password'], doc: 'password is the SMTP AUTH password; stored encrypted.' },
  secure: {
    label: 'Implicit TLS (port 465)',
    kind: 'boolean',
    default: false,
    doc: 'secure starts TLS as soon as the connection opens (port 465) instead of upgrading with STARTTLS.',
  },
  require_tls: {
    label: 'Require STARTTLS',
    kind: 'boolean',
    default: true,
    doc: 'require_tls refuses to send unless the server upgrades the connection with STARTTLS, so credentials and alerts never travel in clear text.',
  },
  insecure_skip_verify: {
    label: 'Skip certificate verification (testing only)',
    kind: 'boolean',
    default: false,
    doc: 'insecure_skip_verify accepts any server certificate; for testing only.',
  },
  ca_file: {
    label: 'CA file',
    hint: 'PEM file on the monitor host',
    kind: 'string',
    doc: "ca_file is a PEM file with the CA certificates that may sign the server's certificate, added to the system ones.",
  },
  hello: { label: 'EHLO name', kind: 'string', doc: "hello is the host name sent with EHLO (default: this machine's name)." },
});

/** EmailConfig is a checked `type = "email"` channel. */
export type EmailConfig = FieldValues<typeof fields>;

/** emailNotifier sends one mail per notification over SMTP (nodemailer), with STARTTLS or implicit TLS and optional AUTH. */
export const emailNotifier = defineNotifier({
  type: 'email',
  label: 'Email (SMTP)',
  doc: 'email sends a mail per notification over SMTP, with STARTTLS or implicit TLS and optional AUTH.',
  fields,
  check(c, path) {
    const issues: ConfigIssue[] = [];
    checkAddress(c.from, `${path}.from`, issues);
    if (Array.isArray(c.to)) {
      if (c.to.length === 0) issues.push({ path: `${path}.to`, message: 'is empty', hint: 'list at least one recipient' });
      c.to.forEach((a, i) => checkAddress(a, `${path}.to[${i}]`, issues));
    }
    if ((c.username === undefined) !== (c.password === undefined)) {
      issues.push({
        path: `${path}.${c.username === undefined ? 'username' : 'password'}`,
        message: 'is required with SMTP AUTH',
        hint: 'set both username and password, or neither',
      });
    }
    if (c.ca_file !== undefined && !existsSync(c.ca_file)) issues.push({ path: `${path}.ca_file`, message: `file "${c.ca_file}" does not exist` });
    return issues;
  },
  create(c) {
    const ca = c.ca_file ? readFileSync(c.ca_file, 'utf8') : undefined;
    // nodemailer costs ~20 MB of memory once loaded: only a monitor with an email channel pays it, on the first send.
    let transport: Promise<Transporter> | undefined;
    const options = {
      host: c.host,
      port: c.port,
      secure: c.secure,
      requireTLS: c.require_tls && !c.secure,
      ...(c.username !== undefined ? { auth: { user: c.username, pass: c.password ?? '' } } : {}),
      ...(c.hello ? { name: c.hello } : {}),
      tls: { ...(ca ? { ca } : {}), rejectUnauthorized: !c.insecure_skip_verify, ...(/^[\d.:]+$/.test(c.host) ? {} : { servername: c.host }) },
      // The delivery timeout aborts through the signal; these only bound a server that stalls without closing.
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 60_000,
    };
    const getTransport = () => (transport ??= import('nodemailer').then((m) => m.createTransport(options)));
    // AUTH PLAIN and LOGIN put the password on the wire in base64; an echoed command must not leak it either.
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const secrets = c.password === undefined ? [] : [c.password, b64(c.password), b64(`\0${c.username ?? ''}\0${c.password}`)];
    return {
      async send(n, signal) {
        const m = emailMessage(n);
        try {
          const info = await (await getTransport()).sendMail({ from: c.from, to: c.to, ...m, signal });
          const code = Number(/^(\d{3})/.exec(info.response ?? '')?.[1]);
          return { ok: true, retry: false, ...(Number.isFinite(code) ? { status: code } : {}) };
        } catch (err) {
          if (signal.aborted) {
            const reason = signal.reason as { name?: string } | undefined;
            return { ok: false, retry: true, error: reason?.name === 'TimeoutError' ? 'timed out talking to the SMTP server' : 'cancelled before the SMTP server answered' };
          }
          return classifySmtpError(err, secrets);
        }
      },
    };
  },
});
