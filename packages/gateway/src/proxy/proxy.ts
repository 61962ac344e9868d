import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Transform, type Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import type { DispatchController, DispatchHandler, UpstreamError } from '../upstream/pool.ts';
import { ALLOWED_METHODS, framingError } from '../http1/framing.ts';
import type { H1Request } from '../http1/request.ts';
import type { H1Response } from '../http1/response.ts';
import type { HookResult, Plugin, PluginResponse, RequestContext, ResponseHead, UpstreamRequest } from '../plugins/plugin.ts';
import type { AccessLogEntry } from '../observability/access-log.ts';
import type { HashSource, Upstream, UpstreamServer } from '../upstream/upstream.ts';
import type { CompiledLocation, CompiledServer, Runtime } from './runtime.ts';
import { HOP_BY_HOP, HeaderList, connectionTokens, headerObject } from '../http1/headers.ts';
import type { TemplatedHeader } from './header-vars.ts';
import { errorPage, publicMessage } from './error-page.ts';
import { UpgradeResponse } from './upgrade.ts';
import { h2AuthorityError } from './h2.ts';
import { normalizeHost, normalizePath, normalizeRewritten } from '../router/normalize.ts';

/** Req is a client request: the gateway's own HTTP/1.1 request, or node:http2's compatibility request. */
type Req = H1Request | IncomingMessage | Http2ServerRequest;
/** Res is the subset of a response the proxy uses; H1Response, ServerResponse and Http2ServerResponse all have it. */
interface Res {
  statusCode: number;
  readonly headersSent: boolean;
  readonly writableFinished: boolean;
  writeHead(status: number, headers?: Record<string, string | string[]> | string[]): unknown;
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer): unknown;
  destroy(err?: Error): unknown;
  flushHeaders(): void;
  once(ev: 'close' | 'drain', fn: () => void): unknown;
}

const isH1 = (req: Req): req is H1Request => (req as H1Request).checked === true;

// A reset (typically a keep-alive connection the server closed as it was reused) may have reached the server: idempotent methods only.
const RESETS = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'GW_WRITE_TIMEOUT']);
/** H2_CANCEL is the HTTP/2 error code CANCEL (RFC 9113 §7). */
const H2_CANCEL = 0x8;
const FAILURE_STATUSES = new Set([502, 503, 504]);
// Failures of the client's side of an exchange (its body) or of the request the gateway built (a plugin's invalid header),
// which say nothing about the upstream server.
const CLIENT_FAULTS = new Set(['GW_BAD_REQUEST_BODY', 'GW_BODY_TOO_LARGE', 'GW_REQUEST_BODY_FAILED', 'GW_BAD_HEADER']);

function isPromise(v: unknown): v is Promise<HookResult> {
  return typeof (v as Promise<unknown> | undefined)?.then === 'function';
}

/** hostOf returns the request host for routing (HTTP/2 `:authority` or `Host`) as normalizeHost does, undefined when it is not a valid `host[:port]`. */
export function hostOf(req: Req): string | undefined {
  return normalizeHost(isH1(req) ? (req.hostHeader ?? '') : ((req.headers[':authority'] as string | undefined) ?? req.headers.host ?? ''));
}

/** ConnectionTls is what a client connection negotiated, read once per connection. */
interface ConnectionTls {
  version: string;
  cipher: string;
}

/** connectionTls reads a TLS client connection's version and cipher once and keeps them on the socket. */
function connectionTls(sock: Socket & { gwTls?: ConnectionTls }): ConnectionTls {
  const t = sock as unknown as TLSSocket & { gwTls?: ConnectionTls };
  return (t.gwTls ??= { version: t.getProtocol?.() ?? '', cipher: t.getCipher?.()?.name ?? '' });
}

/** forwardedClient is the client address a proxy in front forwarded: the first `X-Forwarded-For` entry, else `X-Real-IP`. */
function forwardedClient(req: Req): string | undefined {
  const xff = req.headers['x-forwarded-for'];
  const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
  if (first) return first;
  const real = req.headers['x-real-ip'];
  return (Array.isArray(real) ? real[0] : real)?.trim() || undefined;
}

/** Exchange is one request on its way through the gateway: the plugin context, the balancer's hash source and the access log entry. */
export class Exchange implements RequestContext, AccessLogEntry, HashSource {
  readonly req: Req;
  readonly res: Res;
  readonly rt: Runtime;
  readonly srv: CompiledServer;
  loc: CompiledLocation | undefined;
  readonly method: string;
  readonly host: string;
  path: string;
  query: string;
  readonly origPath: string;
  readonly origQuery: string;
  readonly clientIp: string;
  readonly remoteAddr: string;
  readonly scheme: 'http' | 'https';
  requestId = '';
  status = 0;
  private stateObj: Record<string, unknown> | undefined;
  readonly start = Date.now();
  readonly t0 = performance.now();
  latency = 0;
  bytesSent = 0;
  payloadSize = 0;
  upstreamAddr = '';
  upstreamStatus = 0;
  upstreamConnectTime = -1;
  upstreamResponseTime = -1;
  connectionReused: boolean;
  /** controller aborts the upstream exchange when the client goes away. */
  controller: DispatchController | undefined;
  clientGone = false;
  /** cutStatus is the status logged for a response the gateway cut after its head went out (502, 504); 0 otherwise. */
  cutStatus = 0;
  attempts = 0;
  upstreamPath = '';
  upstreamMethod = '';
  upstreamHeaders: string[] = [];
  body: Req | Buffer | null = null;
  lastServer: UpstreamServer | undefined;
  /** lateSlots are the upstream header values rewritten for each attempt's server (`$upstream_addr`), found on the first. */
  lateSlots: [number, TemplatedHeader][] | undefined;
  /** probe is the breaker ticket the current attempt holds (see Upstream.pick); 0 when the breaker was closed. */
  probe = 0;
  /** upgrade is the protocol of an Upgrade (WebSocket) request, sent upstream; undefined for other requests. */
  readonly upgrade: string | undefined;

  constructor(rt: Runtime, srv: CompiledServer, req: Req, res: Res, path: string, query: string, host: string) {
    this.rt = rt;
    this.srv = srv;
    this.req = req;
    this.res = res;
    this.method = req.method ?? 'GET';
    this.path = this.origPath = path;
    this.query = this.origQuery = query;
    this.host = host;
    // Over HTTP/2 req.socket is a proxy to the session's socket that reads nothing once the stream closed, so what the
    // access log needs of the connection is read now.
    const sock = req.socket as (typeof req.socket & { gwRequests?: number; gwTls?: ConnectionTls }) | undefined;
    this.remoteAddr = sock?.remoteAddress ?? '';
    this.clientIp = rt.trusted !== undefined && rt.trusted(this.remoteAddr) ? (forwardedClient(req) ?? this.remoteAddr) : this.remoteAddr;
    if (srv.tls && sock) this.tls = connectionTls(sock);
    this.scheme = srv.tls ? 'https' : 'http';
    this.upgrade = res instanceof UpgradeResponse ? res.protocol : undefined;
    if (sock) {
      sock.gwRequests = (sock.gwRequests ?? 0) + 1;
      this.connectionReused = sock.gwRequests > 1;
    } else this.connectionReused = false;
  }

  /** tls is the client connection's TLS version and cipher (undefined without TLS). */
  readonly tls: ConnectionTls | undefined;

  get tlsVersion(): string {
    return this.tls?.version ?? '';
  }

  get tlsCipher(): string {
    return this.tls?.cipher ?? '';
  }

  get state(): Record<string, unknown> {
    return (this.stateObj ??= {});
  }

  set state(v: Record<string, unknown>) {
    this.stateObj = v;
  }

  get server(): string {
    return this.srv.name;
  }

  get location(): string {
    return this.loc?.name ?? '';
  }

  get url(): string {
    return this.path + this.query;
  }

  header(name: string): string | undefined {
    const v = this.req.headers[name.toLowerCase()];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  cookie(name: string): string | undefined {
    const c = this.req.headers.cookie;
    if (!c) return undefined;
    for (const part of c.split(';')) {
      const i = part.indexOf('=');
      if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
    }
    return undefined;
  }

  queryParam(name: string): string | undefined {
    return new URLSearchParams(this.query).get(name) ?? undefined;
  }

  /** respHeaders are the response headers sent: an object, or the flat list of a head passed through without rules or hooks. */
  respHeaders: Record<string, string | string[] | undefined> | string[] | undefined;

  responseHeader(name: string): string | string[] | undefined {
    const h = this.respHeaders;
    if (!Array.isArray(h)) return h?.[name.toLowerCase()];
    const n = name.toLowerCase();
    let found: string | string[] | undefined;
    for (let i = 0; i < h.length; i += 2) {
      if (h[i]!.length !== n.length || h[i]!.toLowerCase() !== n) continue;
      found = found === undefined ? h[i + 1]! : [...(Array.isArray(found) ? found : [found]), h[i + 1]!];
    }
    return found;
  }

  /** onClose runs once the response is finished or the client went away: it stops the upstream, records metrics and writes the access log. */
  onClose = (): void => {
    const res = this.res;
    // node:http2's compatibility response calls itself finished when its stream closes, a client's RST_STREAM included;
    // only its writableEnded tells that the gateway ended it.
    const finished = res.writableFinished && (this.req.httpVersion !== '2.0' || (res as unknown as Http2ServerResponse).writableEnded);
    if (!finished) {
      this.clientGone = true;
      this.controller?.abort(new Error('client closed the connection'));
    }
    this.status = res.headersSent && finished ? res.statusCode : this.cutStatus || 499;
    this.latency = performance.now() - this.t0;
    const loc = this.loc;
    const stats = loc ? loc.stats : this.srv.unmatched;
    const cls = (this.status / 100) | 0;
    stats.statuses[cls > 5 ? 5 : cls]!.value++;
    stats.latency.observe(this.latency / 1000);
    this.srv.accessLog?.(this);
    if (loc) for (const p of loc.log) p.log!(this);
  };
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
function otherTarget(rt: Runtime, srv: CompiledServer, req: Req, res: Res, url: string): void {
  if (url === '*' && req.method === 'OPTIONS') {
    const host = hostOf(req);
    if (host === undefined) return badRequest(req, res, 'the Host is not a valid host[:port]');
    const ex = new Exchange(rt, srv, req, res, '*', '', host);
    res.once('close', ex.onClose);
    return send(ex, { status: 200, headers: { allow: ALLOWED_METHODS, 'content-length': '0' } }, undefined);
  }
  const m = isH1(req) ? ABSOLUTE_FORM.exec(url) : null;
  if (!m || !isH1(req)) return badRequest(req, res, 'the request target must be a path, an absolute http(s) URI, or * for OPTIONS');
  const authority = m[1]!;
  if (authority.includes('@') || normalizeHost(authority) === undefined) return badRequest(req, res, 'the request target\'s authority is not a valid host[:port]');
  const rest = m[2]!;
  req.url = rest === '' || rest.charCodeAt(0) === 63 /* ? */ ? `/${rest}` : rest;
  req.hostHeader = authority;
  const raw = req.rawHeaders;
  let found = false;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') {
      raw[i + 1] = authority;
      found = true;
    }
  }
  if (!found) raw.push('Host', authority);
  handleRequest(rt, srv, req, res as H1Response);
}

/** refuseTrace answers TRACE with 405: echoing a request back (cookies, credentials added on the way) is off, as in most proxies. */
function refuseTrace(rt: Runtime, srv: CompiledServer, req: Req, res: Res, url: string, host: string): void {
  const q = url.indexOf('?');
  const ex = new Exchange(rt, srv, req, res, q < 0 ? url : url.slice(0, q), q < 0 ? '' : url.slice(q), host);
  res.once('close', ex.onClose);
  sendError(ex, 405, 'TRACE is not allowed', { allow: ALLOWED_METHODS });
}

/** badRequest answers 400 and closes the connection, so nothing after a malformed message is read as a new request. */
function badRequest(req: Req, res: Res, message: string): void {
  const body = Buffer.from(`400 Bad Request: ${message}\n`);
  res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length), ...(req.httpVersion === '2.0' ? {} : { connection: 'close' }) });
  res.end(body);
  if (!isH1(req) && req.httpVersion !== '2.0') (res as unknown as ServerResponse).once('finish', () => (req as IncomingMessage).socket.destroySoon?.());
}

/** handleRequest routes one client request and answers it from a plugin or the upstream. */
export function handleRequest(rt: Runtime, srv: CompiledServer, req: Req, response: H1Response | ServerResponse | Http2ServerResponse): void {
  const res = response as Res;
  const url = req.url ?? '/';
  if (!isH1(req)) {
    // Request smuggling shapes: a message with both framings, or several Host headers, is refused before it can reach an
    // upstream (the HTTP/1.1 server checks these as it parses).
    const h = req.headers;
    const te = h['transfer-encoding'];
    const framing = framingError(te === undefined ? undefined : String(te), h['content-length'] !== undefined);
    if (framing !== undefined) return badRequest(req, res, framing);
    if (req.httpVersion === '2.0') {
      // A stream its client reset in the same read as its HEADERS arrives closed (rapid reset): nobody is left to answer
      // and its 'close' has passed, so an upstream request started for it would run to the end unwatched.
      if ((req as Http2ServerRequest).stream.destroyed) return;
      // Routing and forwarding both use the authority; a request whose Host says otherwise is refused, not guessed at.
      const err = h2AuthorityError(req as Http2ServerRequest, srv.tls);
      if (err !== undefined) return badRequest(req, res, err);
    } else {
      let hosts = 0;
      const raw = req.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts++;
      if (hosts > 1) return badRequest(req, res, 'more than one Host header');
    }
  }
  if (url.charCodeAt(0) !== 47 /* / */) return otherTarget(rt, srv, req, res, url);
  const host = hostOf(req);
  if (host === undefined) return badRequest(req, res, 'the Host is not a valid host[:port]');
  if (req.method === 'TRACE') return refuseTrace(rt, srv, req, res, url, host);
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
    const bad = new Exchange(rt, srv, req, res, rawPath, query, host);
    res.once('close', bad.onClose);
    return sendError(bad, 400, path.refused);
  }
  const route = srv.router.match(host, path, () => req.headers, query.slice(1));
  const ex = new Exchange(rt, srv, req, res, path, query, host);
  res.once('close', ex.onClose);
  if (!route) return sendError(ex, 404, 'no location matches this request');
  const loc = (ex.loc = route.data);
  if (loc.early.length) runHooks(ex, loc.early, 0, (p) => p.earlyRequest!(ex), () => afterEarly(ex));
  else afterEarly(ex);
}

function afterEarly(ex: Exchange): void {
  const loc = ex.loc!;
  if (loc.request.length) runHooks(ex, loc.request, 0, (p) => p.request!(ex), () => prepare(ex));
  else prepare(ex);
}

/** runHooks calls one step's hooks in order, synchronously while they return plain values, and continues after a promise settles. */
function runHooks(ex: Exchange, plugins: Plugin[], from: number, call: (p: Plugin) => HookResult | Promise<HookResult>, next: () => void): void {
  for (let i = from; i < plugins.length; i++) {
    let r: HookResult | Promise<HookResult>;
    try {
      r = call(plugins[i]!);
    } catch (err) {
      return sendError(ex, 500, `plugin failed: ${(err as Error).message}`);
    }
    if (r === undefined) continue;
    if (r === 'stop') break;
    if (isPromise(r)) {
      r.then(
        (v) => {
          if (ex.clientGone) return;
          if (v === undefined) runHooks(ex, plugins, i + 1, call, next);
          else if (v === 'stop') next();
          else answer(ex, v);
        },
        (err: unknown) => sendError(ex, 500, `plugin failed: ${(err as Error)?.message}`),
      );
      return;
    }
    return answer(ex, r);
  }
  next();
}

/** prepare builds the upstream request: rewrite, hop-by-hop filtering, X-Forwarded-*, Via and the location's header rules. */
function prepare(ex: Exchange): void {
  const loc = ex.loc!;
  const req = ex.req;
  if (!loc.upstream) return sendError(ex, 503, `location "${loc.name}" has no upstream`);
  const raw = req.rawHeaders;
  const out: string[] = [];
  const h1 = isH1(req);
  const h2 = req.httpVersion === '2.0';
  const connHeader = h1 ? req.connectionHeader : req.headers.connection;
  const conn = connHeader === undefined ? undefined : connectionTokens(connHeader);
  let xff: string | undefined;
  let via: string | undefined;
  const xfwd = loc.xfwd;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) === 58 /* : */) continue;
    // An HTTP/2 request's Host is sent as its authority (below), the name routing used.
    if (h2 && name.length === 4 && name.toLowerCase() === 'host') continue;
    // Only names as long as one the loop looks for are lower-cased (most are not).
    if (conn === undefined && REQ_SPECIAL_LENGTH[name.length] !== 1) {
      out.push(name, raw[i + 1]!);
      continue;
    }
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === 'expect' || (conn !== undefined && conn.has(lower))) continue;
    if (xfwd) {
      if (lower === 'x-forwarded-for') {
        xff = xff === undefined ? raw[i + 1] : `${xff}, ${raw[i + 1]}`;
        continue;
      }
      if (lower === 'via') {
        via = via === undefined ? raw[i + 1] : `${via}, ${raw[i + 1]}`;
        continue;
      }
      if (lower === 'x-forwarded-proto' || lower === 'x-forwarded-host') continue;
    }
    out.push(name, raw[i + 1]!);
  }
  const h = h1 ? undefined : req.headers;
  const authority = h1 ? (req.hostHeader ?? '') : ((h![':authority'] as string | undefined) ?? h!.host ?? '');
  if (h2) out.push('host', authority);
  if (xfwd) {
    // A forwarded header the location's rules write replaces the default (rather than adding a second value).
    const own = loc.xfwdOwn;
    if (own === undefined || !own.has('x-forwarded-for')) out.push('x-forwarded-for', xff === undefined ? ex.remoteAddr : `${xff}, ${ex.remoteAddr}`);
    if (own === undefined || !own.has('x-forwarded-proto')) out.push('x-forwarded-proto', ex.scheme);
    if (own === undefined || !own.has('x-forwarded-host')) out.push('x-forwarded-host', authority);
    if (own === undefined || !own.has('via')) out.push('via', via === undefined ? ex.rt.via(req.httpVersion) : `${via}, ${ex.rt.via(req.httpVersion)}`);
  }
  const list = loc.headerRules ? new HeaderList(out) : undefined;
  if (list) {
    for (const n of loc.reqRemove) list.remove(n);
    for (const l of loc.reqSet) list.set(l.name, l.late ? lateMark(loc, l) : l.render ? l.render(ex) : l.value);
    for (const l of loc.reqAdd) list.add(l.name, l.late ? lateMark(loc, l) : l.render ? l.render(ex) : l.value);
  }
  ex.upstreamHeaders = out;
  ex.upstreamMethod = ex.method;
  let upstreamPath = ex.path;
  if (loc.rewrite) {
    const normal = normalizeRewritten(loc.rewrite(ex.path), ex.srv.mergeSlashes);
    if (typeof normal !== 'string') return sendError(ex, 400, normal.refused);
    upstreamPath = normal;
  }
  ex.upstreamPath = upstreamPath + ex.query;
  if (loc.proxyUpstream.length) {
    const up: UpstreamRequest = { method: ex.method, path: ex.upstreamPath, headers: list ?? new HeaderList(out) };
    runHooks(ex, loc.proxyUpstream, 0, (p) => p.proxyUpstream!(ex, up), () => {
      ex.upstreamMethod = up.method;
      ex.upstreamPath = up.path;
      ex.upstreamHeaders = up.headers.raw;
      withBody(ex);
    });
  } else withBody(ex);
}

function hasBody(req: Req): boolean {
  if (isH1(req)) return req.hasBody;
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  const cl = h['content-length'];
  if (cl !== undefined) return cl !== '0';
  return req.httpVersion === '2.0' && !(req as Http2ServerRequest).stream.endAfterHeaders;
}

/** withBody decides how the request body travels: none, streamed (with an optional size cap) or buffered. */
function withBody(ex: Exchange): void {
  const req = ex.req;
  const loc = ex.loc!;
  // An Upgrade request's bytes after its head belong to the new protocol, not to a body.
  if (ex.upgrade !== undefined || !hasBody(req)) {
    ex.body = null;
    return forward(ex);
  }
  const cl = req.headers['content-length'];
  const declared = cl === undefined ? -1 : Number(cl);
  const src = req as IncomingMessage;
  ex.payloadSize = Math.max(declared, 0);
  const max = loc.bufferRequest ? (loc.maxBody > 0 ? Math.min(loc.maxBody, loc.bufferMax) : loc.bufferMax) : loc.maxBody;
  if (max > 0 && declared > max) return sendError(ex, 413, `request body larger than ${max} bytes`);
  if (loc.bufferRequest) {
    const chunks: Buffer[] = [];
    let size = 0;
    src.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        src.removeAllListeners('data');
        src.resume();
        if (!ex.res.headersSent) sendError(ex, 413, `request body larger than ${max} bytes`);
        return;
      }
      chunks.push(c);
    });
    src.on('end', () => {
      if (size > max || ex.clientGone) return;
      ex.body = Buffer.concat(chunks);
      ex.payloadSize = size;
      const list = new HeaderList(ex.upstreamHeaders);
      list.set('content-length', String(size));
      forward(ex);
    });
    return;
  }
  ex.body = req;
  if (declared < 0) {
    // A body of unknown length (chunked, or HTTP/2 without Content-Length) is counted as it passes, for payload_size and
    // the limit: the stream fails once past the limit, which fails the upstream exchange wherever it is (connecting,
    // sending) and answers 413. Counting with a 'data' listener would start the body flowing before the pool reads it
    // (chunks lost) and answer while the dispatch went on.
    let size = 0;
    const limited = new Transform({
      transform(c: Buffer, _enc, cb) {
        size += c.length;
        ex.payloadSize = size;
        if (max > 0 && size > max) cb(Object.assign(new Error(`request body larger than ${max} bytes`), { code: 'GW_BODY_TOO_LARGE' }));
        else cb(null, c);
      },
    });
    // The pool reads the error when it sends (errored) or from its own listener once it streams; until then it waits here.
    limited.on('error', () => {});
    const stream = isH1(req) ? req.stream() : src;
    stream.on('error', (e: Error) => limited.destroy(e));
    stream.pipe(limited);
    ex.body = limited as unknown as IncomingMessage;
  }
  watchWrites(ex, req);
  forward(ex);
}

/**
 * watchWrites aborts a streamed upload that makes no progress for `write_timeout` (client stalled or upstream not reading).
 * Progress is read from the client socket's byte count: a 'data' listener would switch the body into flowing mode before
 * the upstream pool consumes it, and lose chunks.
 */
function watchWrites(ex: Exchange, req: Req): void {
  const src = req as IncomingMessage;
  const limit = ex.loc!.upstream!.config.write_timeout;
  const sock = req.socket as { bytesRead?: number } | undefined;
  if (limit <= 0 || !sock) return;
  let seen = sock.bytesRead ?? 0;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    if (src.readableEnded || ex.clientGone || ex.res.writableFinished) return;
    const now = sock.bytesRead ?? 0;
    if (now === seen) {
      ex.controller?.abort(Object.assign(new Error('request body made no progress'), { code: 'GW_WRITE_TIMEOUT' }));
      return;
    }
    seen = now;
    timer = setTimeout(check, limit);
    timer.unref();
  };
  src.once('end', () => clearTimeout(timer));
  timer = setTimeout(check, limit);
  timer.unref();
}

/** forward picks a server and dispatches the request to its pool. */
function forward(ex: Exchange): void {
  if (ex.clientGone) return;
  const up = ex.loc!.upstream!;
  const s = up.pick(ex, ex.lastServer, ex);
  if (!s) return sendError(ex, 503, `no available server in upstream "${up.name}"`);
  ex.attempts++;
  ex.lastServer = s;
  ex.upstreamAddr = s.key;
  if (ex.loc!.reqLate) fillLate(ex);
  s.active++;
  s.requests++;
  const h = new ProxyHandler(ex, up, s);
  ex.controller = undefined;
  const c = s.pool.dispatch(
    {
      path: ex.upstreamPath,
      method: ex.upstreamMethod,
      headers: ex.upstreamHeaders,
      body: ex.body as Buffer | IncomingMessage | null,
      upgrade: ex.upgrade,
      // Values read by llhttp and from the validated config need no second check; plugins may have set anything.
      checked: isH1(ex.req) && ex.loc!.proxyUpstream.length === 0,
    },
    h,
  );
  // A request still waiting for a connection (max_connections) or connecting has not started; a client that leaves must
  // reach it there too, or it would hold its place in the queue (and a breaker probe) until a connection frees.
  if (ex.controller === undefined && !h.done) ex.controller = c;
}

// A header value that needs the upstream server (`$upstream_addr`) waits as this mark plus its rule index until an attempt
// picks one. Values from clients and the config never start with a control character, so the mark cannot be forged.
const LATE = '\u0001gw-late:';

function lateMark(loc: CompiledLocation, l: TemplatedHeader): string {
  return LATE + loc.reqLate!.indexOf(l);
}

/** fillLate writes the values that depend on the server picked for this attempt; a retry rewrites them for its server. */
function fillLate(ex: Exchange): void {
  const h = ex.upstreamHeaders;
  const late = ex.loc!.reqLate!;
  let slots = ex.lateSlots;
  if (slots === undefined) {
    slots = ex.lateSlots = [];
    for (let i = 1; i < h.length; i += 2) {
      const v = h[i]!;
      if (v.charCodeAt(0) !== 1 || !v.startsWith(LATE)) continue;
      const rule = late[Number(v.slice(LATE.length))];
      if (rule?.render) slots.push([i, rule]);
    }
  }
  for (const [i, rule] of slots) h[i] = rule.render!(ex);
}

/** lengthTable marks the lengths of the given names, so a loop lower-cases only names that could be one of them. */
function lengthTable(names: Iterable<string>): Uint8Array {
  const t = new Uint8Array(64);
  for (const n of names) t[n.length] = 1;
  return t;
}
const REQ_SPECIAL_LENGTH = lengthTable([...HOP_BY_HOP, 'expect', 'x-forwarded-for', 'via', 'x-forwarded-proto', 'x-forwarded-host']);
const HOP_LENGTH = lengthTable(HOP_BY_HOP);

/**
 * responseList passes an upstream head to an HTTP/1.1 client as a flat list, for locations with no response rules or
 * hooks: hop-by-hop headers (and those its Connection header names) and `headers_remove` are dropped, Via is added.
 */
function responseList(ex: Exchange, raw: string[]): string[] {
  const loc = ex.loc!;
  const remove = loc.resRemove;
  const out: string[] = [];
  let conn: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (remove !== undefined || HOP_LENGTH[name.length] === 1) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower)) {
        if (lower === 'connection') conn = conn === undefined ? raw[i + 1] : `${conn}, ${raw[i + 1]}`;
        continue;
      }
      if (remove !== undefined && remove.has(lower)) continue;
    }
    out.push(name, raw[i + 1]!);
  }
  const tokens = connectionTokens(conn);
  if (tokens !== undefined) {
    let w = 0;
    for (let i = 0; i < out.length; i += 2) {
      if (tokens.has(out[i]!.toLowerCase())) continue;
      out[w++] = out[i]!;
      out[w++] = out[i + 1]!;
    }
    out.length = w;
  }
  if (loc.xfwd) out.push('via', ex.rt.via(ex.req.httpVersion));
  return out;
}

/** upstreamHead turns an upstream response head into the client's: hop-by-hop removal, Via, the location's header rules, then the upstreamResponse and response hooks. */
function upstreamHead(ex: Exchange, status: number, headers: Record<string, string | string[]>): ResponseHead {
  const loc = ex.loc!;
  const conn = headers.connection === undefined ? undefined : connectionTokens(headers.connection);
  const out: Record<string, string | string[] | undefined> = {};
  for (const k in headers) {
    if (HOP_BY_HOP.has(k) || (conn !== undefined && conn.has(k)) || (loc.resRemove !== undefined && loc.resRemove.has(k))) continue;
    out[k] = headers[k];
  }
  if (loc.xfwd && !loc.resOwnVia) {
    const v = ex.rt.via(ex.req.httpVersion);
    const prev = out.via;
    out.via = prev === undefined ? v : `${Array.isArray(prev) ? prev.join(', ') : prev}, ${v}`;
  }
  for (const l of loc.resSet) out[l.lower] = l.render ? l.render(ex) : l.value;
  for (const l of loc.resAdd) {
    const prev = out[l.lower];
    const value = l.render ? l.render(ex) : l.value;
    out[l.lower] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  const head: ResponseHead = { status, headers: out };
  if (loc.upstreamResponse.length) for (const p of loc.upstreamResponse) if (p.upstreamResponse!(ex, head) === 'stop') break;
  if (loc.response.length) for (const p of loc.response) if (p.response!(ex, head) === 'stop') break;
  return head;
}

/** ProxyHandler receives the upstream response from the pool and writes it straight into the client response, with backpressure both ways. */
class ProxyHandler implements DispatchHandler {
  private readonly ex: Exchange;
  private readonly up: Upstream;
  private readonly s: UpstreamServer;
  /** probe is the breaker ticket this attempt holds; finish() hands it back on every way the exchange ends. */
  private readonly probe: number;
  private readonly tSend = performance.now();
  /** done is set once the exchange ended (finish ran). */
  done = false;
  /** started is set once the pool began writing the request to a connection; until then nothing of it (body included) left. */
  private started = false;
  private buffered: Buffer[] | undefined;
  private bufferedSize = 0;
  private head: ResponseHead | undefined;

  constructor(ex: Exchange, up: Upstream, s: UpstreamServer) {
    this.ex = ex;
    this.up = up;
    this.s = s;
    this.probe = ex.probe;
  }

  onRequestStart(controller: DispatchController): void {
    this.started = true;
    this.ex.controller = controller;
    // The pool calls this as the request is written to a socket: the wait covers queueing and, for a new connection, connecting.
    this.ex.upstreamConnectTime = performance.now() - this.tSend;
    if (this.ex.clientGone) controller.abort(new Error('client closed the connection'));
  }

  onResponseStart(controller: DispatchController, status: number, raw: string[]): void {
    const ex = this.ex;
    const loc = ex.loc!;
    if (ex.res.headersSent) {
      // The client was answered already (a plugin or the gateway itself): this response has nowhere to go.
      this.finish(undefined);
      controller.abort(Object.assign(new Error('the client was answered already'), { code: 'GW_ANSWERED' }));
      return;
    }
    ex.upstreamStatus = status;
    ex.upstreamResponseTime = performance.now() - this.tSend;
    this.up.responseTime.observe(ex.upstreamResponseTime / 1000);
    if (loc.passResponse && ex.upgrade === undefined && isH1(ex.req)) {
      if (ex.clientGone) return;
      // The common case: the head goes out as a list, without a headers object or a second validation (llhttp checked it).
      const res = ex.res as H1Response;
      const list = responseList(ex, raw);
      ex.respHeaders = list;
      res.flushByCaller = true;
      res.writeHead(status, list);
      if (status === 204 || status === 304 || ex.method === 'HEAD') res.flushHeaders();
      return;
    }
    const head = upstreamHead(ex, status, headerObject(raw));
    if (loc.bufferResponse) {
      this.head = head;
      this.buffered = [];
      return;
    }
    if (ex.clientGone) return;
    ex.respHeaders = head.headers;
    // The head goes out with the first body bytes of this read, or alone in onRead.
    if ((ex.res as H1Response).flushByCaller === false) (ex.res as H1Response).flushByCaller = true;
    try {
      ex.res.writeHead(head.status, head.headers as Record<string, string | string[]>);
    } catch (err) {
      // An upstream header Node refuses to send (invalid characters) must not take the process down.
      controller.abort(Object.assign(new Error(`invalid upstream response head: ${(err as Error).message}`), { code: 'GW_BAD_UPSTREAM_HEAD' }));
      return;
    }
    if (status === 204 || status === 304 || ex.method === 'HEAD') ex.res.flushHeaders();
  }

  /** onRequestUpgrade relays the upstream's 101 (through the response hooks) and turns the client connection into a tunnel. */
  onRequestUpgrade(_c: DispatchController, status: number, raw: string[], upSocket: Socket): void {
    const ex = this.ex;
    const headers = headerObject(raw);
    this.finish(true);
    ex.upstreamStatus = status;
    ex.upstreamResponseTime = performance.now() - this.tSend;
    this.up.responseTime.observe(ex.upstreamResponseTime / 1000);
    if (ex.clientGone) {
      upSocket.destroy();
      return;
    }
    const head = upstreamHead(ex, status, headers);
    // Hooks may change the headers of a 101, not its status; Upgrade and Connection are the handshake's own.
    head.headers.upgrade = headers.upgrade;
    head.headers.connection = 'upgrade';
    ex.respHeaders = head.headers;
    const res = ex.res as unknown as UpgradeResponse;
    try {
      res.writeHead(101, head.headers);
    } catch (err) {
      upSocket.destroy();
      sendError(ex, 502, `invalid upstream response head: ${(err as Error).message}`);
      return;
    }
    res.tunnel(upSocket, (n) => (ex.payloadSize += n), (n) => (ex.bytesSent += n));
  }

  onRead(): void {
    const res = this.ex.res as H1Response;
    if (res.flushByCaller && res.headersSent) res.flushHeaders();
  }

  onResponseData(controller: DispatchController, chunk: Buffer): void {
    const ex = this.ex;
    if (this.buffered) {
      this.bufferedSize += chunk.length;
      if (this.bufferedSize > ex.loc!.bufferMax) {
        this.buffered = undefined;
        controller.abort(Object.assign(new Error('response larger than buffer_max_size'), { code: 'GW_RESPONSE_TOO_LARGE' }));
        return;
      }
      this.buffered.push(chunk);
      return;
    }
    ex.bytesSent += chunk.length;
    if (!ex.res.write(chunk)) {
      controller.pause();
      // The HTTP/1.1 server cuts a client that reads nothing for keepalive_timeout; an HTTP/2 stream is reset instead,
      // so that its upstream request ends too (nginx's send_timeout).
      const stall = ex.req.httpVersion === '2.0' ? stallTimer(ex) : undefined;
      ex.res.once('drain', () => {
        clearTimeout(stall);
        controller.resume();
      });
    }
  }

  onResponseEnd(): void {
    const ex = this.ex;
    this.finish(!FAILURE_STATUSES.has(ex.upstreamStatus));
    if (this.buffered && this.head) {
      const body = Buffer.concat(this.buffered);
      ex.bytesSent = body.length;
      // HEAD keeps the upstream's length (of the body it did not send); 204 and 304 have none.
      const st = this.head.status;
      if (ex.method !== 'HEAD' && st !== 204 && st !== 304) this.head.headers['content-length'] = String(body.length);
      ex.respHeaders = this.head.headers;
      ex.res.writeHead(this.head.status, this.head.headers as Record<string, string | string[]>);
      ex.res.end(body);
      return;
    }
    ex.res.end();
  }

  onResponseError(_controller: DispatchController, err: UpstreamError): void {
    const ex = this.ex;
    const code = err.code ?? '';
    // A client that left or sent a bad or oversized body says nothing about the server: neither health nor the breaker hear of it.
    this.finish(ex.clientGone || CLIENT_FAULTS.has(code) ? undefined : false);
    if (ex.clientGone || code === 'GW_ANSWERED') return;
    // A request the pool never started writing (connect refused, unreachable or timed out, TLS handshake failed, no
    // connection free within connection_timeout) sent nothing — not a byte of its body either, which is read only once a
    // connection takes it — so it may go to another server whatever its method or body. Once written, only a reset of a
    // body-less or buffered idempotent request is replayed.
    const retryable = this.started
      ? RESETS.has(code) && IDEMPOTENT.has(ex.upstreamMethod) && (ex.body === null || Buffer.isBuffer(ex.body))
      : !code.startsWith('GW_') && code !== 'UND_ERR_DESTROYED';
    if (retryable && ex.upstreamStatus === 0 && ex.attempts <= ex.loc!.retries) {
      ex.upstreamAddr = '';
      forward(ex);
      return;
    }
    if (code === 'GW_RESPONSE_TOO_LARGE') return sendError(ex, 502, 'upstream response larger than buffer_max_size');
    if (code === 'GW_BAD_REQUEST_BODY') return sendError(ex, 400, err.message);
    if (code === 'GW_BODY_TOO_LARGE') return sendError(ex, 413, err.message);
    if (code === 'GW_REQUEST_BODY_FAILED') return sendError(ex, 400, err.message);
    if (code === 'GW_BAD_HEADER') return sendError(ex, 500, err.message);
    if (TIMEOUT_CODES.has(code)) return sendError(ex, 504, `upstream ${this.s.key} timed out (${code})`);
    sendError(ex, 502, `upstream ${this.s.key} failed: ${code || err.message}`);
  }

  /** finish ends the exchange's hold on the server and reports success or failure to its health and breaker (undefined: neither). */
  private finish(ok: boolean | undefined): void {
    if (this.done) return;
    this.done = true;
    this.s.active--;
    if (ok !== undefined) this.up.report(this.s, ok, this.probe);
    else if (this.probe > 0) this.up.release(this.s, this.probe);
  }
}

/** stallTimer resets (CANCEL) an HTTP/2 stream whose client has not taken any of its response for keepalive_timeout. */
function stallTimer(ex: Exchange): NodeJS.Timeout {
  // destroy() would reset with NO_ERROR, which a client that is not reading never sees.
  const t = setTimeout(() => (ex.res as unknown as Http2ServerResponse).stream.close(H2_CANCEL), ex.srv.config.keepalive_timeout || 60_000);
  t.unref();
  return t;
}

/** answer sends a plugin's response through the response hooks. */
function answer(ex: Exchange, r: PluginResponse): void {
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
  const headers: Record<string, string | string[] | undefined> = { ...(r.headers ?? {}) };
  if (body && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
  send(ex, { status: r.status, headers }, body);
}

function send(ex: Exchange, head: ResponseHead, body: Buffer | undefined): void {
  if (ex.clientGone || ex.res.headersSent) return;
  const loc = ex.loc;
  if (loc?.response.length) for (const p of loc.response) if (p.response!(ex, head) === 'stop') break;
  ex.bytesSent = body?.length ?? 0;
  ex.respHeaders = head.headers;
  ex.res.writeHead(head.status, head.headers as Record<string, string | string[]>);
  ex.res.end(ex.method === 'HEAD' ? undefined : body);
}

/**
 * sendError answers with the configured error page (or the built-in one), through the response hooks so ids still reach
 * the client. The page says only what the status means (`publicMessage`) and the request id; `detail` — upstream
 * addresses, error codes, plugin and config names — goes to the process log under that request id.
 */
export function sendError(ex: Exchange, status: number, detail: string, extra?: Record<string, string>): void {
  if (ex.clientGone) return;
  if (status !== 404) {
    const fields = { status, request_id: ex.requestId || undefined, server: ex.srv.name, location: ex.loc?.name, upstream: ex.upstreamAddr || undefined, client: ex.clientIp, method: ex.method, uri: ex.origPath + ex.origQuery };
    if (status >= 500) ex.rt.log.warn(fields, detail);
    else ex.rt.log.info(fields, detail);
  }
  if (ex.res.headersSent) {
    // The status line is out (an upstream reset or timed out mid-body): the only honest signal left to the client is a
    // broken connection, and the log says what happened, not that the client left (499).
    ex.cutStatus = status;
    ex.res.destroy(new Error(detail));
    return;
  }
  const body = Buffer.from(errorPage(ex.rt.errorTemplate, status, publicMessage(status), ex.requestId));
  send(ex, { status, headers: { 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'no-store', ...extra } }, body);
}

/**
 * handleUpgrade proxies an HTTP/1.1 Upgrade (WebSocket) request like any other request — routing, the plugin chain
 * (a plugin may answer, and the answer closes the connection), the upstream request, balancing and retries — then relays
 * the upstream's 101 through the response hooks and pipes bytes both ways; the access log and log hooks run when the
 * tunnel closes.
 */
export function handleUpgrade(rt: Runtime, srv: CompiledServer, req: IncomingMessage | H1Request, socket: Duplex, head: Buffer): void {
  const res = new UpgradeResponse(socket, head, String(req.headers.upgrade ?? 'websocket'));
  handleRequest(rt, srv, req, res as unknown as H1Response);
}
