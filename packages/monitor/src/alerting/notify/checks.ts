import type { ConfigIssue } from '@etcd-monitor/core';

/** checkHttpUrl reports a value that is not an absolute http(s) URL; the message never repeats the value, which may hold a token. */
export function checkHttpUrl(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (typeof value !== 'string') return;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    issues.push({ path, message: 'is not a valid URL', hint: 'write an absolute URL such as "https://host:port/path"' });
    return;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    issues.push({ path, message: `has scheme "${u.protocol.slice(0, -1)}"`, hint: 'use an http:// or https:// URL' });
  }
}

// Deliberately loose: the SMTP server is the authority on addresses; this catches typos such as a missing @ or a comma
// inside one string, with or without a display name (`Ops <ops@example.com>`).
const ADDRESS = /^(?:[^<>@]*<([^\s<>@]+@[^\s<>@]+)>|([^\s<>@,;]+@[^\s<>@,;]+))$/;

/** checkAddress reports a value that is not one mail address (`a@b` or `Name <a@b>`). */
export function checkAddress(value: unknown, path: string, issues: ConfigIssue[]): void {
  if (typeof value !== 'string') return;
  if (!ADDRESS.test(value.trim()))
    issues.push({ path, message: `"${value}" is not a mail address`, hint: 'write one address such as "ops@example.com" or "Ops <ops@example.com>"' });
}

/** checkAuthPair reports basic-auth and bearer settings that cannot be used together or alone. */
export function checkAuthPair(c: { username?: string; password?: string; bearer_token?: string }, path: string, issues: ConfigIssue[]): void {
  if ((c.username === undefined) !== (c.password === undefined)) {
    const missing = c.username === undefined ? 'username' : 'password';
    issues.push({ path: `${path}.${missing}`, message: 'is required with basic auth', hint: 'set both username and password, or neither' });
  }
  if (c.bearer_token !== undefined && c.username !== undefined) {
    issues.push({ path: `${path}.bearer_token`, message: 'cannot be combined with username/password', hint: 'keep one of bearer_token or basic auth' });
  }
}

/** authHeader returns the Authorization header for bearer or basic auth settings, if any. */
export function authHeader(c: { username?: string; password?: string; bearer_token?: string }): Record<string, string> {
  if (c.bearer_token) return { authorization: `Bearer ${c.bearer_token}` };
  if (c.username !== undefined) return { authorization: `Basic ${Buffer.from(`${c.username}:${c.password ?? ''}`).toString('base64')}` };
  return {};
}
