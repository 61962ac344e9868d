import { definePlugin, type PluginDefinition, type RequestContext, type ResponseHead } from '../plugin.ts';
import { compileHostPatterns, hostPatternProblem, regexProblem } from '../patterns.ts';

const MIRROR = '$http_origin';

/** varyOn adds a name to a response's Vary header unless it is already there (or Vary is `*`). */
function varyOn(head: ResponseHead, name: string): void {
  const current = head.headers.vary;
  const text = Array.isArray(current) ? current.join(', ') : (current ?? '');
  const names = text.split(',').map((v) => v.trim().toLowerCase());
  if (names.includes('*') || names.includes(name.toLowerCase())) return;
  head.headers.vary = text ? `${text}, ${name}` : name;
}

/** corsPlugin answers CORS preflight requests itself and adds the CORS headers to the responses of allowed origins. */
export const corsPlugin: PluginDefinition = definePlugin({
  category: 'cors',
  description: 'cors answers CORS preflight requests and adds Access-Control-* headers to responses for allowed origins.',
  fields: {
    path: { kind: 'string', default: '', doc: 'path is a regular expression; only requests whose path matches get CORS handling (empty: every path).' },
    allow_origin: {
      kind: 'string',
      default: '*',
      doc: "allow_origin is the Access-Control-Allow-Origin value: `*`, one origin, or `$http_origin` to reflect the request's Origin; ignored when `allow_origins` is set.",
    },
    allow_origins: {
      kind: 'strings',
      default: [],
      maxItems: 1000,
      doc: 'allow_origins lists the origins allowed, each exact (`https://app.example.com`), wildcard (`https://*.example.com`) or a regular expression after `~`; an allowed Origin is reflected, any other gets no CORS headers.',
    },
    allow_methods: { kind: 'string', default: 'GET, POST, PUT, PATCH, DELETE, OPTIONS', doc: 'allow_methods is the Access-Control-Allow-Methods value of preflight answers.' },
    allow_headers: {
      kind: 'string',
      default: '',
      doc: 'allow_headers is the Access-Control-Allow-Headers value of preflight answers; empty reflects the headers the preflight asked for.',
    },
    allow_credentials: { kind: 'boolean', default: false, doc: 'allow_credentials sends Access-Control-Allow-Credentials: true (needs a specific origin, not `*`).' },
    expose_headers: { kind: 'string', default: '', doc: 'expose_headers is the Access-Control-Expose-Headers value: response headers scripts may read.' },
    max_age: { kind: 'duration', default: '1h', doc: 'max_age is how long browsers may cache a preflight answer (Access-Control-Max-Age); `0s` leaves the header out.' },
  },
  validate(options, path, issues) {
    if (options.path) {
      const problem = regexProblem(options.path);
      if (problem) issues.push({ path: `${path}.path`, message: problem, hint: 'write a regular expression such as "^/api/"' });
    }
    options.allow_origins.forEach((o, i) => {
      const problem = hostPatternProblem(o);
      if (problem)
        issues.push({ path: `${path}.allow_origins[${i}]`, message: problem, hint: 'write an origin (https://app.example.com), a wildcard (https://*.example.com) or ~regex' });
    });
    if (options.allow_credentials && options.allow_origin === '*' && options.allow_origins.length === 0) {
      issues.push({
        path: `${path}.allow_credentials`,
        message: 'browsers refuse credentials with Access-Control-Allow-Origin "*"',
        hint: 'set allow_origins to the origins allowed, or allow_origin = "$http_origin" (any origin, only behind authentication)',
      });
    }
  },
  create(options) {
    const onPath = options.path ? new RegExp(options.path) : undefined;
    const listed = options.allow_origins.length ? compileHostPatterns(options.allow_origins) : undefined;
    const fixed = options.allow_origin;
    const maxAge = String(Math.floor(options.max_age / 1000));
    /** allowedOrigin returns the Access-Control-Allow-Origin value for a request Origin, or undefined when it is not allowed. */
    const allowedOrigin = (origin: string): string | undefined => {
      if (listed) return listed(origin) ? origin : undefined;
      return fixed === MIRROR ? origin : fixed;
    };
    const reflects = listed !== undefined || fixed === MIRROR;
    const applies = (ctx: RequestContext): string | undefined => {
      const origin = ctx.req.headers.origin;
      if (typeof origin !== 'string' || origin === '') return undefined;
      if (onPath && !onPath.test(ctx.path)) return undefined;
      return origin;
    };
    return {
      request(ctx: RequestContext) {
        if (ctx.method !== 'OPTIONS') return;
        const origin = applies(ctx);
        const method = ctx.req.headers['access-control-request-method'];
        // Only a real preflight is answered here; a plain OPTIONS goes to the upstream (WebDAV and the like need it).
        if (origin === undefined || typeof method !== 'string') return;
        const allow = allowedOrigin(origin);
        if (allow === undefined) return { status: 403, headers: { 'content-type': 'text/plain; charset=utf-8', vary: 'Origin' }, body: 'CORS origin not allowed' };
        const headers: Record<string, string> = { 'access-control-allow-origin': allow, 'access-control-allow-methods': options.allow_methods };
        const requested = ctx.req.headers['access-control-request-headers'];
        const allowHeaders = options.allow_headers || (typeof requested === 'string' ? requested : '');
        if (allowHeaders) headers['access-control-allow-headers'] = allowHeaders;
        if (options.allow_credentials) headers['access-control-allow-credentials'] = 'true';
        if (options.max_age > 0) headers['access-control-max-age'] = maxAge;
        if (reflects || !options.allow_headers) headers.vary = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
        return { status: 204, headers };
      },
      response(ctx: RequestContext, head: ResponseHead) {
        const origin = applies(ctx);
        if (origin === undefined) return;
        if (reflects) varyOn(head, 'Origin');
        const allow = allowedOrigin(origin);
        if (allow === undefined) return;
        head.headers['access-control-allow-origin'] = allow;
        if (options.allow_credentials) head.headers['access-control-allow-credentials'] = 'true';
        if (options.expose_headers) head.headers['access-control-expose-headers'] = options.expose_headers;
      },
    };
  },
});
