import type { ClientRequest, IncomingMessage } from 'node:http';
import { HOP_BY_HOP, TOKEN } from '../../http1/headers.ts';
import { definePlugin, type PluginDefinition, type PluginResponse, type RequestContext, type UpstreamRequest } from '../plugin.ts';
import { refuse } from '../auth.ts';

// The auth service's refusal is relayed to the client; a larger body than this is cut (a login page fits).
const MAX_RELAYED_BODY = 64 * 1024;
// Not copied to the auth request: the sub-request is a GET of its own, with its own Host and framing.
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', 'content-length', 'content-type', 'expect']);
// Not relayed from the auth service's answer: the gateway frames the answer itself.
const NOT_RELAYED = new Set([...HOP_BY_HOP, 'content-length', 'content-encoding']);

/** forwardAuthPlugin asks an auth service about each request (a GET sub-request, like nginx auth_request): 2xx passes, anything else is the answer. */
export const forwardAuthPlugin: PluginDefinition = definePlugin({
  category: 'forward_auth',
  description:
    'forward_auth asks an auth service about each request with a GET sub-request: a 2xx answer lets it through (chosen headers copied onto the upstream request), any other answer is relayed to the client.',
  fields: {
    auth_url: { kind: 'string', required: true, maxLength: 2000, doc: 'auth_url is the `http(s)://` URL of the auth service’s check endpoint; the original path is not appended.' },
    request_headers: {
      kind: 'strings',
      default: [],
      maxItems: 100,
      maxLength: 200,
      doc: 'request_headers lists the client’s request headers sent to the auth service (such as `["Cookie", "Authorization"]`); empty sends all but hop-by-hop ones.',
    },
    add_headers: {
      kind: 'strings',
      default: [],
      maxItems: 100,
      maxLength: 200,
      doc: 'add_headers lists headers of the auth service’s 2xx answer copied onto the upstream request (such as `["X-User-Id"]`); a client’s own copies are always removed.',
    },
    timeout: { kind: 'duration', default: '10s', min: 100, max: 60_000, doc: 'timeout bounds the whole sub-request; past it the client gets 504.' },
  },
  validate(o, path, issues) {
    let url: URL | undefined;
    try {
      url = new URL(o.auth_url);
    } catch {
      // reported below
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      issues.push({ path: `${path}.auth_url`, message: `"${o.auth_url}" is not an http(s) URL`, hint: 'write the full URL, such as http://127.0.0.1:9000/verify' });
    for (const key of ['request_headers', 'add_headers'] as const)
      o[key].forEach((h, i) => {
        if (!TOKEN.test(h)) issues.push({ path: `${path}.${key}[${i}]`, message: `"${h}" is not a header name`, hint: 'write a header name such as "X-User-Id"' });
      });
  },
  create(o, name) {
    const url = new URL(o.auth_url);
    const secure = url.protocol === 'https:';
    // Taken here, not imported at the top: an ESM import of node:http makes Node.js evaluate every export it has (undici's
    // fetch, http2, worker_threads: ~10 MB), in every worker, since the registry imports every plugin (lazy-deps.test.ts).
    const http = process.getBuiltinModule('node:http');
    const https = process.getBuiltinModule('node:https');
    // One keep-alive pool per instance: a sub-request per client request must not cost a connection each.
    const agent = secure ? new https.Agent({ keepAlive: true, maxSockets: 256 }) : new http.Agent({ keepAlive: true, maxSockets: 256 });
    const wanted = o.request_headers.length ? new Set(o.request_headers.map((h) => h.toLowerCase())) : undefined;
    const copied = o.add_headers.map((h) => h.toLowerCase());
    const stateKey = `forward_auth:${name}`;
    let closed = false;

    function ask(ctx: RequestContext): Promise<PluginResponse | undefined> {
      const headers: Record<string, string> = {};
      const raw = ctx.req.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) {
        const lower = raw[i]!.toLowerCase();
        if (lower.charCodeAt(0) === 58 /* HTTP/2 pseudo-header */ || NOT_FORWARDED.has(lower) || lower.startsWith('x-forwarded-')) continue;
        if (wanted && !wanted.has(lower)) continue;
        headers[lower] = headers[lower] === undefined ? raw[i + 1]! : `${headers[lower]}, ${raw[i + 1]}`;
      }
      headers['x-forwarded-method'] = ctx.method;
      headers['x-forwarded-uri'] = ctx.req.url ?? ctx.path + ctx.query;
      headers['x-forwarded-host'] = ctx.req.headers.host ?? ctx.host;
      headers['x-forwarded-for'] = ctx.clientIp;
      headers['x-forwarded-proto'] = ctx.scheme;
      return new Promise((resolve) => {
        let done = false;
        let req: ClientRequest | undefined;
        const finish = (r: PluginResponse | undefined) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve(r);
        };
        const timer = setTimeout(() => {
          finish(refuse(504, `forward_auth: the auth service did not answer within ${o.timeout} ms`));
          req?.destroy();
        }, o.timeout);
        try {
          req = (secure ? https : http).request(url, { method: 'GET', headers, agent: closed ? false : agent }, onResponse);
        } catch {
          // A header value node:http refuses to send (the client's request was parsed under other rules).
          return finish(refuse(502, 'forward_auth: the auth service failed'));
        }
        function onResponse(res: IncomingMessage) {
          const status = res.statusCode ?? 502;
          if (status >= 200 && status < 300) {
            const pass: [string, string][] = [];
            for (const h of copied) {
              const v = res.headers[h];
              if (v !== undefined) for (const one of Array.isArray(v) ? v : [v]) pass.push([h, one]);
            }
            ctx.state[stateKey] = pass;
            res.resume();
            return finish(undefined);
          }
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined && !NOT_RELAYED.has(k)) out[k] = v;
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            if (size >= MAX_RELAYED_BODY) return;
            chunks.push(c);
            size += c.length;
          });
          res.on('end', () => finish({ status: status >= 300 && status <= 599 ? status : 403, headers: out, body: Buffer.concat(chunks).subarray(0, MAX_RELAYED_BODY) }));
          res.on('error', () => finish(refuse(502, 'forward_auth: the auth service failed')));
        }
        req.on('error', () => finish(refuse(502, 'forward_auth: the auth service failed')));
        req.end();
      });
    }

    return {
      request(ctx: RequestContext) {
        return ask(ctx);
      },
      proxyUpstream(ctx: RequestContext, up: UpstreamRequest) {
        for (const h of o.add_headers) up.headers.remove(h);
        const pass = ctx.state[stateKey] as [string, string][] | undefined;
        if (pass) for (const [h, v] of pass) up.headers.add(h, v);
      },
      close() {
        // A request still running on the old config after a reload asks without the pool.
        closed = true;
        agent.destroy();
      },
    };
  },
});
