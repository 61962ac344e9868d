// The proxy's entry: a client request is checked, routed, and taken through the pipeline, one file per step —
// client.ts (the protocol adapter), exchange.ts (the request's state), hooks.ts (plugins), upstream-request.ts,
// request-body.ts, forward.ts (the upstream exchange and its retries, retry.ts), response-head.ts, response-buffer.ts,
// and answer.ts for the gateway's own answers.
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Duplex } from 'node:stream';
import { ALLOWED_METHODS } from '../http1/framing.ts';
import type { H1Request } from '../http1/request.ts';
import type { H1Response } from '../http1/response.ts';
import { normalizeHost, normalizePath } from '../router/normalize.ts';
import { send, sendError } from './answer.ts';
import { UPGRADE_CLIENT, clientOf, type ClientAdapter, type Req, type Res } from './client.ts';
import { Exchange } from './exchange.ts';
import { runHooks } from './hooks.ts';
import type { CompiledServer, Runtime } from './runtime.ts';
import { UpgradeResponse } from './upgrade.ts';
import { prepareUpstream } from './upstream-request.ts';

export { sendError } from './answer.ts';

/** hostOf returns the request host for routing (HTTP/2 `:authority` or `Host`) as normalizeHost does, undefined when it is not a valid `host[:port]`. */
function hostOf(client: ClientAdapter, req: Req): string | undefined {
  return normalizeHost(client.authority(req));
}

// An absolute-form request target: scheme, authority, then the path and query (RFC 9112 §3.2.2).
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)([^#]*)/i;

/**
 * otherTarget handles the request targets that are not a path. An absolute-form target (`GET http://a.test/x`, as
 * proxies and some clients send) is taken as RFC 9112 §3.2.2 says: its authority replaces the Host header — for routing,
 * for X-Forwarded-Host and for the Host sent upstream — and its path and query go on as the origin-form target.
 * `OPTIONS *` asks about the server itself, not a resource any location could route: the gateway answers it, 200 with
 * `Allow`. Anything else (authority form outside CONNECT, a scheme other than http/https) is a 400.
 */
function otherTarget(rt: Runtime, srv: CompiledServer, client: ClientAdapter, req: Req, res: Res, url: string): void {
  if (url === '*' && req.method === 'OPTIONS') {
    const host = hostOf(client, req);
    if (host === undefined) return client.badRequest(res, 'the Host is not a valid host[:port]');
    const ex = Exchange.take(rt, srv, client, req, res, '*', '', host);
    ex.watchClose();
    return send(ex, { status: 200, headers: { allow: ALLOWED_METHODS, 'content-length': '0' } }, undefined);
  }
  const retarget = client.retarget;
  const m = retarget !== undefined ? ABSOLUTE_FORM.exec(url) : null;
  if (!m || retarget === undefined) return client.badRequest(res, 'the request target must be a path, an absolute http(s) URI, or * for OPTIONS');
  const authority = m[1]!;
  if (authority.includes('@') || normalizeHost(authority) === undefined) return client.badRequest(res, "the request target's authority is not a valid host[:port]");
  const rest = m[2]!;
  retarget(req, rest === '' || rest.charCodeAt(0) === 63 /* ? */ ? `/${rest}` : rest, authority);
  route(rt, srv, client, req, res);
}

/** refuseTrace answers TRACE with 405: echoing a request back (cookies, credentials added on the way) is off, as in most proxies. */
function refuseTrace(rt: Runtime, srv: CompiledServer, client: ClientAdapter, req: Req, res: Res, url: string, host: string): void {
  const q = url.indexOf('?');
  const ex = Exchange.take(rt, srv, client, req, res, q < 0 ? url : url.slice(0, q), q < 0 ? '' : url.slice(q), host);
  ex.watchClose();
  sendError(ex, 405, 'TRACE is not allowed', { allow: ALLOWED_METHODS });
}

/** handleRequest routes one client request and answers it from a plugin or the upstream. */
export function handleRequest(rt: Runtime, srv: CompiledServer, req: H1Request | Http2ServerRequest, response: H1Response | Http2ServerResponse): void {
  route(rt, srv, clientOf(req), req, response as Res);
}

/**
 * handleUpgrade proxies an HTTP/1.1 Upgrade (WebSocket) request like any other request — routing, the plugin chain
 * (a plugin may answer, and the answer closes the connection), the upstream request, balancing and retries — then relays
 * the upstream's 101 through the response hooks and pipes bytes both ways; the access log and log hooks run when the
 * tunnel closes.
 */
export function handleUpgrade(rt: Runtime, srv: CompiledServer, req: H1Request, socket: Duplex, head: Buffer): void {
  const res = new UpgradeResponse(socket, head, String(req.headers.upgrade ?? 'websocket'));
  route(rt, srv, UPGRADE_CLIENT, req, res as unknown as Res);
}

function route(rt: Runtime, srv: CompiledServer, client: ClientAdapter, req: Req, res: Res): void {
  const url = req.url ?? '/';
  // Request smuggling shapes and a Host that is not the authority are refused before anything can reach an upstream.
  const refused = client.refuse(req, srv.tls);
  if (refused === null) return;
  if (refused !== undefined) return client.badRequest(res, refused);
  if (url.charCodeAt(0) !== 47 /* / */) return otherTarget(rt, srv, client, req, res, url);
  const host = hostOf(client, req);
  if (host === undefined) return client.badRequest(res, 'the Host is not a valid host[:port]');
  if (req.method === 'TRACE') return refuseTrace(rt, srv, client, req, res, url, host);
  // A fragment has no place in a request target, but the parser lets one through: it goes, as in nginx, so that the
  // upstream (which would drop it) and the router read the same path.
  const hash = url.indexOf('#');
  const target = hash < 0 ? url : url.slice(0, hash);
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q);
  // Routing, rewrites, plugins and the upstream all see the normalized path; the access log too (nginx's $uri).
  const path = normalizePath(rawPath, srv.mergeSlashes);
  if (typeof path !== 'string') {
    const bad = Exchange.take(rt, srv, client, req, res, rawPath, query, host);
    bad.watchClose();
    return sendError(bad, 400, path.refused);
  }
  // The request itself is the header source: its headers object is built only if a route has header conditions.
  const matched = srv.router.match(host, path, req, query.slice(1));
  const ex = Exchange.take(rt, srv, client, req, res, path, query, host);
  ex.watchClose();
  if (!matched) return sendError(ex, 404, 'no location matches this request');
  const loc = (ex.loc = matched.data);
  if (loc.early.length)
    runHooks(
      ex,
      loc.early,
      0,
      'earlyRequest',
      (p) => p.earlyRequest!(ex),
      () => afterEarly(ex),
    );
  else afterEarly(ex);
}

function afterEarly(ex: Exchange): void {
  const loc = ex.loc!;
  if (loc.request.length)
    runHooks(
      ex,
      loc.request,
      0,
      'request',
      (p) => p.request!(ex),
      () => prepareUpstream(ex),
    );
  else prepareUpstream(ex);
}
