// The Exchange: one client request's state through every step of the proxy, from routing to the access log.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import type { BodySource, DispatchController, DispatchOptions } from '../upstream/pool.ts';
import type { RequestContext } from '../plugins/plugin.ts';
import type { AccessLogEntry } from '../observability/access-log.ts';
import type { HashSource, Upstream, UpstreamServer } from '../upstream/upstream.ts';
import { AppError } from '@etcd-monitor/core';
import type { CompiledLocation, CompiledServer, Runtime } from './runtime.ts';
import type { TemplatedHeader } from './header-vars.ts';
import type { ClientAdapter, Req, Res } from './client.ts';
import { logHooks } from './plugin-failure.ts';
import { FreeList } from '../http1/free-list.ts';

/**
 * freeExchanges are the worker's finished HTTP/1.1 exchanges that nothing refers to any more (keep), each with its done
 * ProxyHandler, for the next request of any connection (take): bounded by FREE_LIST_CAP, not by the connections open.
 */
export const freeExchanges = new FreeList<Exchange>();

// What an exchange in the free list refers to instead of the request, runtime and server it served (never read: take()
// sets the next one's). The runtime matters most: the list outlives a reload, and must not keep the old one alive.
const NO_REQUEST = Object.freeze({}) as unknown as Req & Res;
const NO_RUNTIME = Object.freeze({}) as unknown as Runtime;
const NO_SERVER = Object.freeze({}) as unknown as CompiledServer;

// The upstream headers of an exchange until prepareUpstream builds them (never written to).
const NO_HEADERS = Object.freeze([]) as unknown as string[];

/** ConnectionTls is what a client connection negotiated, read once per connection. */
interface ConnectionTls {
  version: string;
  cipher: string;
}

// Per-connection facts live beside the socket, not on it: a property added to client sockets gives them another hidden
// class than the upstream sockets, and Node's stream and socket methods, shared by both, then deoptimise ("wrong map")
// as each kind shows up (--trace-deopt). Keyed by ClientAdapter.peer: over HTTP/2 req.socket is a new proxy per stream.
const requestsOn = new WeakMap<object, number>();
const tlsOf = new WeakMap<object, ConnectionTls>();

/** connectionTls reads a TLS client connection's version and cipher once and keeps them beside the socket. */
function connectionTls(sock: Socket, conn: object): ConnectionTls {
  let tls = tlsOf.get(conn);
  if (tls === undefined) {
    const t = sock as TLSSocket;
    tls = { version: t.getProtocol?.() ?? '', cipher: t.getCipher?.()?.name ?? '' };
    tlsOf.set(conn, tls);
  }
  return tls;
}

/** forwardedClient is the client address a proxy in front forwarded: the first `X-Forwarded-For` entry, else `X-Real-IP`. */
function forwardedClient(req: Req): string | undefined {
  const xff = req.headers['x-forwarded-for'];
  const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
  if (first) return first;
  const real = req.headers['x-real-ip'];
  return (Array.isArray(real) ? real[0] : real)?.trim() || undefined;
}

/**
 * Exchange is one client request on its way through the gateway: the plugin context, the balancer's hash source and the
 * access log entry. (The upstream pool's own record of one upstream request is its Dispatch.)
 */
export class Exchange implements RequestContext, AccessLogEntry, HashSource, DispatchOptions {
  // Every field is set by init(), which also readies an exchange taken from the free list for a request (take): a field
  // added here must be set there too (a test compares a reused exchange with a new one).
  req!: Req;
  res!: Res;
  rt!: Runtime;
  srv!: CompiledServer;
  loc!: CompiledLocation | undefined;
  method!: string;
  host!: string;
  path!: string;
  query!: string;
  origPath!: string;
  origQuery!: string;
  clientIp!: string;
  remoteAddr!: string;
  scheme!: 'http' | 'https';
  requestId!: string;
  status!: number;
  private stateObj!: Record<string, unknown> | undefined;
  start!: number;
  t0!: number;
  latency!: number;
  bytesSent!: number;
  payloadSize!: number;
  upstreamAddr!: string;
  upstreamStatus!: number;
  upstreamConnectTime!: number;
  upstreamResponseTime!: number;
  connectionReused!: boolean;
  /** controller aborts the upstream exchange when the client goes away. */
  controller!: DispatchController | undefined;
  clientGone!: boolean;
  /** cutStatus is the status logged for a response the gateway cut after its head went out (502, 504); 0 otherwise. */
  cutStatus!: number;
  attempts!: number;
  /** attemptOpen is set while an upstream attempt may still call its handler (see ProxyHandler.finish). */
  attemptOpen!: boolean;
  /** handler is the upstream attempts' handler (forward.ts), renewed for the next attempt once done. */
  handler!: { readonly done: boolean; letGo(): void } | undefined;
  upstreamPath!: string;
  upstreamMethod!: string;
  upstreamHeaders!: string[];
  /** headersChecked says the upstream header values need no second check (see DispatchOptions). */
  headersChecked!: boolean;
  /** body is the request body sent upstream: none, whole, or a stream (the client's, or a counter in front of it). */
  body!: BodySource | Buffer | null;
  lastServer!: UpstreamServer | undefined;
  /** lateSlots are the upstream header values rewritten for each attempt's server (`$upstream_addr`), found on the first. */
  lateSlots!: [number, TemplatedHeader][] | undefined;
  /** probe is the breaker ticket the current attempt holds (see Upstream.pick); 0 when the breaker was closed. */
  probe!: number;
  /** upgrade is the protocol of an Upgrade (WebSocket) request, sent upstream; undefined for other requests. */
  upgrade!: string | undefined;
  /** client is the adapter of the request's protocol. */
  client!: ClientAdapter;
  /** tls is the client connection's TLS version and cipher (undefined without TLS). */
  tls!: ConnectionTls | undefined;
  /** chosen is the upstream a request hook switched to (see `upstream`); undefined keeps the location's. */
  private chosen!: Upstream | undefined;
  /** ownBodyLimit is the body limit a hook set (see `bodyLimit`); undefined keeps the location's. */
  private ownBodyLimit!: number | undefined;
  /** respHeaders are the response headers sent: an object, or the flat list of a head passed through without rules or hooks. */
  respHeaders!: Record<string, string | string[] | undefined> | string[] | undefined;

  /**
   * headerBuf is the list prepareUpstream writes the upstream request headers into: the exchange's own, made once and
   * kept across the requests a reused exchange serves (not set by init(); prepareUpstream writes it whole and cuts it).
   */
  readonly headerBuf: string[] = [];

  constructor(rt: Runtime, srv: CompiledServer, client: ClientAdapter, req: Req, res: Res, path: string, query: string, host: string) {
    this.init(rt, srv, client, req, res, path, query, host);
  }

  /**
   * take returns an exchange for a request: over HTTP/1.1, one an ended request left in the free list (see keep), set up
   * afresh, else a new one (~0.5 KB less garbage per request). Other protocols never give theirs back (keep), so they
   * take none either.
   */
  static take(rt: Runtime, srv: CompiledServer, client: ClientAdapter, req: Req, res: Res, path: string, query: string, host: string): Exchange {
    const spare = client.passHead ? freeExchanges.take() : undefined;
    if (spare === undefined) return new Exchange(rt, srv, client, req, res, path, query, host);
    spare.init(rt, srv, client, req, res, path, query, host);
    return spare;
  }

  private init(rt: Runtime, srv: CompiledServer, client: ClientAdapter, req: Req, res: Res, path: string, query: string, host: string): void {
    this.rt = rt;
    this.srv = srv;
    this.client = client;
    this.req = req;
    this.res = res;
    this.loc = undefined;
    this.method = req.method ?? 'GET';
    this.path = this.origPath = path;
    this.query = this.origQuery = query;
    this.host = host;
    // Over HTTP/2 req.socket is a proxy to the session's socket that reads nothing once the stream closed, so what the
    // access log needs of the connection is read now.
    const sock = req.socket as Socket | undefined;
    this.remoteAddr = sock?.remoteAddress ?? '';
    this.clientIp = rt.trusted !== undefined && rt.trusted(this.remoteAddr) ? (forwardedClient(req) ?? this.remoteAddr) : this.remoteAddr;
    const peer = client.peer(req);
    this.tls = srv.tls && sock && peer ? connectionTls(sock, peer) : undefined;
    this.scheme = srv.tls ? 'https' : 'http';
    this.upgrade = client.protocol(res);
    if (peer) {
      const n = (requestsOn.get(peer) ?? 0) + 1;
      requestsOn.set(peer, n);
      this.connectionReused = n > 1;
    } else this.connectionReused = false;
    this.requestId = '';
    this.status = 0;
    this.stateObj = undefined;
    this.start = Date.now();
    this.t0 = performance.now();
    this.latency = 0;
    this.bytesSent = 0;
    this.payloadSize = 0;
    this.upstreamAddr = '';
    this.upstreamStatus = 0;
    this.upstreamConnectTime = -1;
    this.upstreamResponseTime = -1;
    this.controller = undefined;
    this.clientGone = false;
    this.cutStatus = 0;
    this.attempts = 0;
    this.attemptOpen = false;
    // A reused exchange keeps its handler too when the handler is done (it is renewed for the next attempt).
    this.handler = this.handler?.done === true ? this.handler : undefined;
    this.upstreamPath = '';
    this.upstreamMethod = '';
    this.upstreamHeaders = NO_HEADERS;
    this.headersChecked = false;
    this.body = null;
    this.lastServer = undefined;
    this.lateSlots = undefined;
    this.probe = 0;
    this.chosen = undefined;
    this.ownBodyLimit = undefined;
    this.respHeaders = undefined;
  }

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

  /** target is the upstream the request goes to: the one a hook chose, else the location's. */
  get target(): Upstream | undefined {
    return this.chosen ?? this.loc?.upstream;
  }

  get upstream(): string {
    return this.target?.name ?? '';
  }

  set upstream(name: string) {
    const u = this.rt.upstreams.get(name);
    if (!u) throw new AppError('GW_UNKNOWN_UPSTREAM', `no upstream "${name}" is defined`);
    this.chosen = u;
  }

  get bodyLimit(): number {
    return this.ownBodyLimit ?? this.loc?.maxBody ?? 0;
  }

  set bodyLimit(bytes: number) {
    this.ownBodyLimit = bytes > 0 ? bytes : 0;
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

  /** watchClose has onClose run when the response finishes or the client leaves; an H1Response calls it without a closure. */
  watchClose(): void {
    const res = this.res;
    if (this.client.passHead) (res as unknown as { closeWith(t: Exchange): void }).closeWith(this);
    else res.once('close', () => this.onClose());
  }

  /** onClose runs once the response is finished or the client went away: it stops the upstream, records metrics and writes the access log. */
  onClose(): void {
    const res = this.res;
    const finished = this.client.finished(res);
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
    if (loc && loc.log.length) logHooks(this, loc.log);
    else if (finished && !this.attemptOpen && this.client.passHead && (loc === undefined || loc.plain) && !this.client.hasBody(this.req)) this.keep();
  }

  /**
   * keep gives the exchange to the free list for a later request, of any connection (take). Only where nothing can refer
   * to it any more: the response ended, no upstream attempt can call back, no plugin ran (a plugin may keep its context),
   * no request body is still being read. What it refers to of this request is let go now, so that it does not outlive
   * the request: an idle connection holds nothing of its last request, and the list holds no socket, header value or
   * runtime.
   */
  private keep(): void {
    // The request and response are let go of too: the free lists of the HTTP/1.1 server take them (H1Response.recycle).
    (this.res as { recycle?(): void }).recycle?.();
    this.req = this.res = NO_REQUEST;
    this.rt = NO_RUNTIME;
    this.srv = NO_SERVER;
    this.loc = undefined;
    this.tls = undefined;
    this.lastServer = undefined;
    this.chosen = undefined;
    this.lateSlots = undefined;
    this.stateObj = undefined;
    this.controller = undefined;
    this.upstreamHeaders = NO_HEADERS;
    this.respHeaders = undefined;
    this.body = null;
    this.host = this.path = this.query = this.origPath = this.origQuery = this.upstreamPath = '';
    this.clientIp = this.remoteAddr = this.requestId = '';
    // A done handler is kept with its exchange (renewed for its next attempt) and lets go of its upstream and server.
    if (this.handler?.done === true) this.handler.letGo();
    else this.handler = undefined;
    // The last request's header values (a cookie, credentials) are not kept alive until the next request writes over them.
    this.headerBuf.fill('');
    freeExchanges.give(this);
  }
}
