import { createHmac, timingSafeEqual } from 'node:crypto';
import { definePlugin, type PluginDefinition, type PluginResponse, type RequestContext } from '../plugin.ts';
import { nanoid } from '../request_id/request_id.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
const INVALID: PluginResponse = { status: 401, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: 'Csrf token is empty or invalid' };

function sign(key: string, id: string, issued: string): string {
  return createHmac('sha256', key).update(`${id}.${issued}`).digest('base64url');
}

/** newToken returns a signed token `<id>.<issued, unix seconds in hex>.<HMAC-SHA256 of both, base64url>`. */
export function newToken(key: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const id = nanoid(12);
  const issued = nowSeconds.toString(16);
  return `${id}.${issued}.${sign(key, id, issued)}`;
}

/** tokenValid tells whether a token was signed with `key` and, with a ttl, is not older than it. */
export function tokenValid(token: string, key: string, ttlMs: number, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const [id, issued, mac, extra] = token.split('.');
  if (!id || !issued || !mac || extra !== undefined || !/^[0-9a-f]{1,12}$/.test(issued)) return false;
  const want = Buffer.from(sign(key, id, issued));
  const got = Buffer.from(mac);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return false;
  return ttlMs <= 0 || nowSeconds - parseInt(issued, 16) <= ttlMs / 1000;
}

/** cookieValue returns the value of one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** csrfPlugin guards state-changing requests with a signed double-submit token: a cookie that scripts echo in a header. */
export const csrfPlugin: PluginDefinition = definePlugin({
  category: 'csrf',
  description: 'csrf refuses state-changing requests unless they echo a signed token cookie in a header (double-submit cookie).',
  fields: {
    token_path: { kind: 'string', required: true, doc: 'token_path is the path that issues a new token (answered 204 with the cookie, any method).' },
    key: { kind: 'string', required: true, doc: 'key is the secret that signs tokens; the same on every gateway behind one load balancer.' },
    name: { kind: 'string', default: 'x-csrf-token', doc: 'name is the name of both the cookie and the request header that carry the token.' },
    ttl: { kind: 'duration', default: '0s', doc: "ttl is how long a token stays valid, also the cookie's Max-Age; `0s` never expires." },
  },
  validate(options, path, issues) {
    if (!options.token_path.startsWith('/'))
      issues.push({ path: `${path}.token_path`, message: `"${options.token_path}" is not a path`, hint: 'write a path starting with "/", such as "/csrf-token"' });
    if (options.key.length < 16) issues.push({ path: `${path}.key`, message: 'is shorter than 16 characters', hint: 'use a long random secret, e.g. `openssl rand -base64 32`' });
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(options.name))
      issues.push({ path: `${path}.name`, message: `"${options.name}" is not a valid header and cookie name`, hint: 'use letters, digits and "-", such as "x-csrf-token"' });
  },
  create(options) {
    const { token_path: tokenPath, key, ttl } = options;
    const name = options.name.toLowerCase();
    return {
      request(ctx: RequestContext) {
        if (ctx.path === tokenPath) {
          const secure = ctx.scheme === 'https' ? '; Secure' : '';
          const maxAge = ttl > 0 ? `; Max-Age=${Math.floor(ttl / 1000)}` : '';
          // Not HttpOnly: the page's script must read the cookie to echo it in the header.
          const cookie = `${options.name}=${newToken(key)}; Path=/; SameSite=Lax${maxAge}${secure}`;
          return { status: 204, headers: { 'set-cookie': cookie, 'cache-control': 'private, no-store' } };
        }
        if (SAFE_METHODS.has(ctx.method)) return;
        const header = ctx.req.headers[name];
        const cookieHeader = ctx.req.headers.cookie;
        const cookie = cookieValue(Array.isArray(cookieHeader) ? cookieHeader.join('; ') : cookieHeader, options.name);
        if (typeof header !== 'string' || header === '' || header !== cookie || !tokenValid(header, key, ttl)) return { ...INVALID, headers: { ...INVALID.headers } };
      },
    };
  },
});
