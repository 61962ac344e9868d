import { normalizeHost } from '../../router/normalize.ts';
import { definePlugin, type PluginDefinition, type PluginResponse, type RequestContext } from '../plugin.ts';

const STATUSES = [301, 302, 307, 308];

/** underPrefix tells whether a path is `prefix` itself or below it (`/api` covers `/api` and `/api/x`, not `/apix`). */
function underPrefix(path: string, prefix: string): boolean {
  return path.startsWith(prefix) && (path.length === prefix.length || prefix.endsWith('/') || path.charCodeAt(prefix.length) === 47);
}

/** tidyPrefix gives a prefix a leading `/` and no trailing one; pingap ignores prefixes of one character or less. */
function tidyPrefix(p: string): string {
  if (p.length <= 1) return '';
  const lead = p.startsWith('/') ? p : `/${p}`;
  return lead.endsWith('/') ? lead.slice(0, -1) : lead;
}

/**
 * redirectPlugin answers with a redirect to another scheme, host or path prefix, keeping the rest of the path and the
 * query; a request already at its target passes. pingap's `redirect` (http_to_https, prefix, status) plus `host` and
 * `strip_prefix`.
 */
export const redirectPlugin: PluginDefinition = definePlugin({
  category: 'redirect',
  description: 'redirect answers 301/302/307/308 to https, another host or another path prefix, keeping the path and query.',
  fields: {
    http_to_https: { kind: 'boolean', default: false, doc: 'http_to_https redirects plain-HTTP requests to `https://` (without `host`, to the same host on the default port).' },
    host: { kind: 'string', default: '', doc: "host is the `host[:port]` to redirect to; empty keeps the request's." },
    strip_prefix: { kind: 'string', default: '', doc: 'strip_prefix is a path prefix taken off before `prefix` is added (`/old` with prefix `/new` sends `/old/a` to `/new/a`).' },
    prefix: {
      kind: 'string',
      default: '',
      doc: 'prefix is put in front of paths that do not start with it (a leading `/` is added; one character or less is ignored, as in pingap).',
    },
    status: { kind: 'integer', default: 307, doc: 'status is the redirect status: 301, 302, 307 or 308 (307 and 308 keep the method and body).' },
  },
  validate(options, path, issues) {
    if (!STATUSES.includes(options.status)) issues.push({ path: `${path}.status`, message: `${options.status} is not a redirect status`, hint: 'use 301, 302, 307 or 308' });
    if (options.host !== '' && !normalizeHost(options.host))
      issues.push({ path: `${path}.host`, message: `"${options.host}" is not host[:port]`, hint: 'write "example.com" or "example.com:8443"' });
    if (!options.http_to_https && options.host === '' && tidyPrefix(options.prefix) === '' && options.strip_prefix === '')
      issues.push({ path, message: 'redirects nowhere: set http_to_https, host, prefix or strip_prefix' });
  },
  create(options) {
    const { http_to_https: toHttps, host, status } = options;
    const prefix = tidyPrefix(options.prefix);
    const strip = options.strip_prefix === '' ? '' : tidyPrefix(options.strip_prefix) || '/';
    return {
      request(ctx: RequestContext): PluginResponse | undefined {
        const scheme = toHttps ? 'https' : ctx.scheme;
        const authority = ctx.header('host') ?? ctx.host;
        // Switching to https without a target host drops the port: the plain-HTTP port is not the TLS one.
        const target = host !== '' ? host : scheme !== ctx.scheme ? ctx.host : authority;
        let path = ctx.path;
        if (strip !== '' && strip !== '/' && underPrefix(path, strip)) path = path.slice(strip.length) || '/';
        if (prefix !== '' && !underPrefix(path, prefix)) path = path === '/' ? prefix : `${prefix}${path}`;
        if (scheme === ctx.scheme && target === authority && path === ctx.path) return undefined;
        return { status, headers: { location: `${scheme}://${target}${path}${ctx.query}`, 'content-length': '0', 'cache-control': 'no-store' } };
      },
    };
  },
});
