// What the authentication plugins (jwt, key_auth, basic_auth, forward_auth, combined_auth) share: where a credential is
// read from and how it is hidden from the upstream, the refusal they answer with, and constant-time comparison.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { PluginResponse, RequestContext, UpstreamRequest } from './plugin.ts';

/** AUTH_CATEGORIES are the plugins that decide whether a request is authenticated, which `combined_auth` may combine. */
export const AUTH_CATEGORIES = ['jwt', 'key_auth', 'basic_auth', 'forward_auth'] as const;

/** CredentialSource says where a plugin reads a credential: a header, a cookie or a query parameter (the first present wins, in that order). */
export interface CredentialSource {
  /** header is the request header, or empty. */
  header: string;
  /** cookie is the cookie name, or empty. */
  cookie: string;
  /** query is the query parameter, or empty. */
  query: string;
}

/** Credential is a credential found in a request and where it was. */
export interface Credential {
  /** value is the credential as sent (a `Bearer ` prefix of a header removed when asked). */
  value: string;
  /** from is where it was found. */
  from: 'header' | 'cookie' | 'query';
}

/** headerValue returns a request header's first value, or undefined. */
export function headerValue(ctx: RequestContext, lower: string): string | undefined {
  const v = ctx.req.headers[lower];
  return Array.isArray(v) ? v[0] : v;
}

/** cookieValue returns the value of cookie `name` in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** queryValue returns the first value of parameter `name` in a query string (with or without its `?`), decoded, or undefined. */
export function queryValue(query: string, name: string): string | undefined {
  if (query.length < 2) return undefined;
  return new URLSearchParams(query).get(name) ?? undefined;
}

/** withoutQueryParam returns a query string (with its `?`, or empty) without parameter `name`, keeping the others as written. */
export function withoutQueryParam(query: string, name: string): string {
  if (query.length < 2) return query;
  const kept = query
    .slice(1)
    .split('&')
    .filter((p) => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      try {
        return decodeURIComponent(k.replace(/\+/g, ' ')) !== name;
      } catch {
        return true;
      }
    });
  return kept.length ? `?${kept.join('&')}` : '';
}

/** withoutCookie returns a Cookie header without cookie `name`, or undefined when nothing else is left. */
export function withoutCookie(header: string, name: string): string | undefined {
  const kept = header.split(';').filter((p) => {
    const eq = p.indexOf('=');
    return eq < 0 || p.slice(0, eq).trim() !== name;
  });
  const out = kept
    .map((p) => p.trim())
    .filter(Boolean)
    .join('; ');
  return out || undefined;
}

/** readCredential finds a credential in a request: header, then cookie, then query parameter. `bearer` strips a `Bearer ` prefix from the header. */
export function readCredential(ctx: RequestContext, src: CredentialSource, bearer: boolean): Credential | undefined {
  if (src.header) {
    let v = headerValue(ctx, src.header.toLowerCase());
    if (v !== undefined) {
      if (bearer && v.length > 7 && v.slice(0, 7).toLowerCase() === 'bearer ') v = v.slice(7);
      v = v.trim();
      if (v) return { value: v, from: 'header' };
    }
  }
  if (src.cookie) {
    const v = cookieValue(headerValue(ctx, 'cookie'), src.cookie);
    if (v) return { value: v, from: 'cookie' };
  }
  if (src.query) {
    const v = queryValue(ctx.query, src.query);
    if (v) return { value: v, from: 'query' };
  }
  return undefined;
}

/**
 * hideQueryCredential drops the credential's query parameter from the request in a `request` hook, so it reaches neither
 * the upstream nor the access log.
 */
export function hideQueryCredential(ctx: RequestContext, src: CredentialSource): void {
  if (src.query && ctx.query.length > 1) ctx.query = withoutQueryParam(ctx.query, src.query);
}

/** hideHeaderCredentials drops the credential's header and cookie from the upstream request (a `proxyUpstream` hook). */
export function hideHeaderCredentials(up: UpstreamRequest, src: CredentialSource): void {
  if (src.header) up.headers.remove(src.header);
  if (src.cookie) {
    const c = up.headers.get('cookie');
    if (c !== undefined) {
      const rest = withoutCookie(c, src.cookie);
      if (rest === undefined) up.headers.remove('cookie');
      else up.headers.set('cookie', rest);
    }
  }
}

/** refuse builds a plugin's refusal: the status, a one-line plain-text reason (never a credential), no caching, and an optional `WWW-Authenticate` challenge. */
export function refuse(status: number, reason: string, challenge?: string): PluginResponse {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
  if (challenge) headers['www-authenticate'] = challenge;
  return { status, headers, body: `${reason}\n` };
}

/** delayed answers `r` after `ms` milliseconds (a failed attempt's slow-down), or at once when `ms` is 0. */
export function delayed<T>(ms: number, r: T): T | Promise<T> {
  if (ms <= 0) return r;
  return new Promise((resolve) => setTimeout(() => resolve(r), ms));
}

/** digest is the SHA-256 of a secret, for comparisons and cache keys that never hold the secret itself. */
export function digest(s: string): string {
  return createHash('sha256').update(s).digest('base64');
}

/** safeEqual compares two secrets in time that depends on neither (both are hashed first). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** quoted writes a value as an RFC 9110 quoted-string (for `realm="…"`). */
export function quoted(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/** safeHeaderValue returns a value fit for a header line (no control characters, at most 8 KiB), or undefined. */
export function safeHeaderValue(v: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  return v.length <= 8192 && !/[\x00-\x08\x0a-\x1f\x7f]/.test(v) ? v : undefined;
}
