// H1Pool: keep-alive HTTP/1.1 connections to one upstream server, parsed with Node's llhttp binding (http1/llhttp.ts).
// It replaces undici's Pool on the data path: same handler shape (onRequestStart, onResponseStart, onResponseData,
// onResponseEnd, onResponseError, onRequestUpgrade), a fraction of the work per request. Its failures carry the socket's
// errno code (ECONNREFUSED, ECONNRESET, …) or one of the gateway's UPSTREAM_CODES.
import net from 'node:net';
import type tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { HTTPParser, attach, detach, invalidHeaderValue, readStart, readStop, type ParseError, type Parser } from '../http1/llhttp.ts';
import { queueLatin1, queueWrite, readBegins, readDone } from '../http1/write-batch.ts';
import { headBegin, headEnd, headPut } from '../http1/head-buffer.ts';

/** BodySource is a streamed request body (a Readable). */
export interface BodySource {
  on(ev: 'data', fn: (c: Buffer) => void): unknown;
  on(ev: 'end', fn: () => void): unknown;
  on(ev: 'error', fn: (e: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

/**
 * DispatchOptions describe one upstream request. The proxy's Exchange has these fields and is passed as it is (no
 * options object per request), so they are read when the request is written, not copied when it is dispatched.
 */
export interface DispatchOptions {
  /** upstreamPath is the request target (path and query). */
  readonly upstreamPath: string;
  /** upstreamMethod is the request method. */
  readonly upstreamMethod: string;
  /** upstreamHeaders is a flat `[name, value, …]` list; a Host header is added when missing. */
  readonly upstreamHeaders: string[];
  /** body is nothing, a whole body, or a stream (sent chunked unless the headers give a Content-Length). */
  readonly body?: Buffer | BodySource | null;
  /** upgrade asks for a protocol upgrade (WebSocket); the connection leaves the pool. */
  readonly upgrade?: string | undefined;
  /** headersChecked says every header value is known to be valid (read by llhttp or from a validated config), so none is checked again. */
  readonly headersChecked?: boolean;
}

/** DispatchController lets a handler steer its request. */
export interface DispatchController {
  /** abort ends the exchange with an error (the connection is closed). */
  abort(err: Error): void;
  /** pause stops reading the response (backpressure). */
  pause(): void;
  /** resume reads again. */
  resume(): void;
  /** reused tells whether the connection served an earlier request. */
  readonly reused: boolean;
}

/** UpstreamError is an error with a code (ECONNREFUSED, ECONNRESET, GW_UPSTREAM_HEADERS_TIMEOUT, …). */
export type UpstreamError = Error & { code?: string };

/** UPSTREAM_CODES are the pool's own failure codes: its timeouts (connecting, the response head, between body chunks) and a closed pool. */
export const UPSTREAM_CODES = {
  /** connectTimeout: no connection within connection_timeout (connecting, or waiting at max_connections); nothing was sent. */
  connectTimeout: 'GW_UPSTREAM_CONNECT_TIMEOUT',
  /** headersTimeout: no response head within read_timeout of the request being sent. */
  headersTimeout: 'GW_UPSTREAM_HEADERS_TIMEOUT',
  /** bodyTimeout: no response body bytes within read_timeout. */
  bodyTimeout: 'GW_UPSTREAM_BODY_TIMEOUT',
  /** poolClosed: the pool was closed (its upstream left the config on reload, or the gateway stops); nothing was sent. */
  poolClosed: 'GW_UPSTREAM_POOL_CLOSED',
} as const;

/**
 * DispatchHandler receives one exchange's events. Once the exchange ended (onResponseEnd, onResponseError or
 * onRequestUpgrade ran) the pool calls its handler no more, so a handler may then serve another dispatch.
 */
export interface DispatchHandler {
  /** onRequestStart runs as the request is written to a connection. */
  onRequestStart?(c: DispatchController): void;
  /** onResponseStart gets the final response head (1xx are skipped) as the flat `[name, value, …]` list received (llhttp checked it); the list is the handler's to keep or change. */
  onResponseStart(c: DispatchController, status: number, raw: string[]): void;
  /** onResponseData gets a body chunk (de-chunked). */
  onResponseData(c: DispatchController, chunk: Buffer): void;
  /** onResponseEnd runs once the response is complete. */
  onResponseEnd(c: DispatchController): void;
  /** onResponseError runs instead of onResponseEnd when the exchange fails. */
  onResponseError(c: DispatchController, err: UpstreamError): void;
  /** onRead runs after each read from the upstream was parsed (the handler may flush what it wrote). */
  onRead?(): void;
  /** onRequestUpgrade gets a 101 answer to an upgrade request, with the socket (bytes read past the head are unshifted). */
  onRequestUpgrade?(c: DispatchController, status: number, raw: string[], socket: net.Socket): void;
}

/** PoolOptions configure an H1Pool. */
export interface PoolOptions {
  host: string;
  port: number;
  /** tls connects with TLS. */
  tls?: { servername?: string | undefined; rejectUnauthorized: boolean } | undefined;
  /** connections caps the open connections (0: no cap; requests queue beyond it). */
  connections: number;
  /** connectTimeout limits connecting (ms). */
  connectTimeout: number;
  /** headersTimeout limits waiting for the response head once the request is sent (ms). */
  headersTimeout: number;
  /** bodyTimeout limits the wait between response body chunks (ms). */
  bodyTimeout: number;
  /** keepAliveTimeout closes idle connections (ms). */
  keepAliveTimeout: number;
  /** onConnect observes connect times (ms). */
  onConnect?: ((ms: number) => void) | undefined;
}

const fail = (code: string, message: string): UpstreamError => Object.assign(new Error(message), { code });

/**
 * bodyFailure is the error of an exchange whose request body (the client's side) failed: the gateway's own codes
 * (GW_BAD_REQUEST_BODY, GW_BODY_TOO_LARGE) are kept, anything else (the client aborted: node:http says ECONNRESET) becomes
 * GW_REQUEST_BODY_FAILED — never an upstream code, so it neither counts against the server nor is retried as a reset.
 */
function bodyFailure(e: UpstreamError | null | undefined): UpstreamError {
  const code = e?.code;
  return fail(code !== undefined && code.startsWith('GW_') ? code : 'GW_REQUEST_BODY_FAILED', e?.message || 'the client request body failed');
}

// One coarse clock and one sweep for every connection's deadline, rather than a timer per request.
const TICK = 50;
/**
 * IDLE_TICK is the sweep's period while no upstream request is in flight, connecting or queued: only idle connections'
 * keep-alive deadlines are left, for which a second is precise enough, and an idle worker with connections in its pools
 * is then not woken 20 times a second (docs/gateway.md, Idle CPU). The next request brings TICK back (sweepNow).
 */
const IDLE_TICK = 1000;
let clock = performance.now();
const watched = new Set<Conn>();
/** queuing are the pools with requests waiting for a connection (max_connections), whose waits have a deadline too. */
const queuing = new Set<H1Pool>();
let ticker: NodeJS.Timeout | undefined;
/** tickMs is the running sweep's period (0: none runs). */
let tickMs = 0;

/** startTicker makes sure the sweep runs every TICK, with the clock read now (deadlines are counted from it). */
function startTicker(): void {
  if (tickMs === TICK) return;
  clearInterval(ticker);
  clock = performance.now();
  runTicker(TICK);
}

function runTicker(ms: number): void {
  tickMs = ms;
  ticker = setInterval(sweep, ms);
  ticker.unref();
}

function sweep(): void {
  clock = performance.now();
  let busy = queuing.size !== 0;
  for (const x of watched) {
    if (x.deadline > 0 && clock >= x.deadline) x.expire();
    else if (x.timeoutCode !== '') busy = true;
  }
  for (const p of queuing) p.expireQueued(clock);
  if (watched.size === 0 && queuing.size === 0) {
    clearInterval(ticker);
    ticker = undefined;
    tickMs = 0;
  } else if (!busy && tickMs === TICK) {
    clearInterval(ticker);
    runTicker(IDLE_TICK);
  }
}

/** sweepPeriod is the deadline sweep's period now, 0 when none runs (tests). */
export function sweepPeriod(): number {
  return tickMs;
}
function watch(c: Conn): void {
  watched.add(c);
  startTicker();
}

/** Dispatch is one request given to the pool (not to be confused with the proxy's Exchange, a whole client request); it is its own controller. */
class Dispatch implements DispatchController {
  readonly pool: H1Pool;
  readonly opts: DispatchOptions;
  readonly h: DispatchHandler;
  conn: Conn | undefined;
  done = false;
  reused = false;
  /** queuedUntil is when a request waiting for a connection gives up (0: not queued, or no deadline). */
  queuedUntil = 0;
  /** bodySent is set once the whole request (head and body) is written. */
  bodySent = false;
  started = false;

  constructor(pool: H1Pool, opts: DispatchOptions, h: DispatchHandler) {
    this.pool = pool;
    this.opts = opts;
    this.h = h;
  }

  abort(err: Error): void {
    if (this.done) return;
    this.fail(err);
    // The connection may hold a half-written request or an unread response: it cannot be reused.
    this.conn?.destroy();
  }

  pause(): void {
    if (this.conn) readStop(this.conn.sock);
  }

  resume(): void {
    if (this.conn && !this.done) readStart(this.conn.sock);
  }

  fail(err: UpstreamError): void {
    if (this.done) return;
    this.done = true;
    const i = this.pool.queue.indexOf(this);
    if (i >= 0) this.pool.queue.splice(i, 1);
    this.h.onResponseError(this, err);
  }
}

/** Conn is one upstream connection with its response parser. */
class Conn {
  readonly pool: H1Pool;
  readonly sock: net.Socket;
  readonly p: Parser;
  ex: Dispatch | undefined;
  connected = false;
  closed = false;
  keepAlive = true;
  served = 0;
  deadline = 0;
  timeoutCode: string = UPSTREAM_CODES.connectTimeout;
  /** info is set while a 1xx interim response is parsed (it is not forwarded). */
  private info = false;
  private upgraded = false;
  private hdrs: string[] = [];
  private error: UpstreamError | undefined;

  constructor(pool: H1Pool, consume: boolean) {
    this.pool = pool;
    const o = pool.opts;
    const t0 = performance.now();
    // node:tls costs a worker ~8 MB, so only TLS upstreams load it.
    this.sock = o.tls
      ? (process.getBuiltinModule('node:tls') as typeof tls).connect({
          host: o.host,
          port: o.port,
          servername: o.tls.servername,
          rejectUnauthorized: o.tls.rejectUnauthorized,
          ALPNProtocols: ['http/1.1'],
        })
      : net.connect({ host: o.host, port: o.port, noDelay: true });
    const p = (this.p = new HTTPParser());
    p.initialize(HTTPParser.RESPONSE, {}, 0, 0);
    p[HTTPParser.kOnHeaders] = this.onHeaders;
    p[HTTPParser.kOnHeadersComplete] = this.onHeadersComplete;
    p[HTTPParser.kOnBody] = this.onBody;
    p[HTTPParser.kOnMessageComplete] = this.onMessageComplete;
    this.deadline = o.connectTimeout > 0 ? performance.now() + o.connectTimeout : 0;
    watch(this);
    this.sock.once(o.tls ? 'secureConnect' : 'connect', () => {
      this.connected = true;
      this.deadline = 0;
      if (o.tls) this.sock.setNoDelay(true);
      o.onConnect?.(performance.now() - t0);
      if (consume) attach(this.sock, p, this.onExecute);
      else this.sock.on('data', (d: Buffer) => this.onExecute(p.execute(d), d));
      this.sock.on('end', this.onEnd);
      const ex = this.ex;
      // A request that failed while connecting (it is never written, and its handler hears nothing more) leaves the
      // connection to the next one.
      if (ex !== undefined && !ex.done) this.send(ex);
      else this.pool.release(this);
    });
    this.sock.on('error', (err: UpstreamError) => (this.error ??= err));
    this.sock.on('close', this.onClose);
  }

  expire(): void {
    this.deadline = 0;
    if (!this.ex) return this.destroy();
    const code = this.timeoutCode;
    this.ex.fail(fail(code, code === UPSTREAM_CODES.connectTimeout ? 'connect timed out' : 'upstream read timed out'));
    this.destroy();
  }

  destroy(): void {
    this.keepAlive = false;
    this.sock.destroy();
  }

  /** run gives the connection an exchange: written now when connected, on connect otherwise. */
  run(ex: Dispatch): void {
    this.ex = ex;
    ex.conn = this;
    // An idle pool's sweep runs every IDLE_TICK with a clock as old: a request's deadlines need TICK and a fresh one.
    if (tickMs !== TICK) startTicker();
    if (this.connected) this.send(ex);
  }

  private send(ex: Dispatch): void {
    ex.reused = this.served > 0;
    this.served++;
    ex.started = true;
    this.timeoutCode = UPSTREAM_CODES.headersTimeout;
    this.deadline = 0;
    ex.h.onRequestStart?.(ex);
    if (ex.done) return;
    const o = ex.opts;
    const hs = o.upstreamHeaders;
    const check = o.headersChecked !== true;
    let host = false;
    let length = false;
    // Checks first, and the head's size: it is then written straight into the head slab (http1/head-buffer.ts).
    let size = o.upstreamMethod.length + o.upstreamPath.length + 128 + this.pool.hostHeader.length + (o.upgrade?.length ?? 0);
    for (let i = 0; i < hs.length; i += 2) {
      const n = hs[i]!;
      const v = hs[i + 1]!;
      if (check && invalidHeaderValue(v)) {
        ex.fail(fail('GW_BAD_HEADER', `header ${n} has an invalid value`));
        return this.pool.release(this);
      }
      if (n.length === 4 && n.toLowerCase() === 'host') host = true;
      else if (n.length === 14 && n.toLowerCase() === 'content-length') length = true;
      size += n.length + v.length + 4;
    }
    const body = o.body;
    const sock = this.sock;
    headBegin(size);
    headPut(o.upstreamMethod);
    headPut(' ');
    headPut(o.upstreamPath);
    headPut(' HTTP/1.1\r\n');
    for (let i = 0; i < hs.length; i += 2) {
      headPut(hs[i]!);
      headPut(': ');
      headPut(hs[i + 1]!);
      headPut('\r\n');
    }
    if (!host) {
      headPut('host: ');
      headPut(this.pool.hostHeader);
      headPut('\r\n');
    }
    if (o.upgrade !== undefined) {
      headPut('connection: upgrade\r\nupgrade: ');
      headPut(o.upgrade);
      headPut('\r\n');
    } else headPut('connection: keep-alive\r\n');
    const chunked = body != null && !Buffer.isBuffer(body) && !length;
    if (Buffer.isBuffer(body) && !length) {
      headPut('content-length: ');
      headPut(String(body.length));
      headPut('\r\n');
    } else if (chunked) headPut('transfer-encoding: chunked\r\n');
    headPut('\r\n');
    const head = headEnd();
    // The request leaves with the others written in this event loop turn (see write-batch.ts).
    if (body == null) {
      queueWrite(sock, head);
      this.sent(ex);
    } else if (Buffer.isBuffer(body)) {
      queueWrite(sock, head);
      queueWrite(sock, body);
      this.sent(ex);
    } else {
      const broken = body as { errored?: Error | null; destroyed?: boolean };
      if (broken.errored || broken.destroyed) {
        // The body failed before the connection was ready (a malformed chunk, the client gone): nothing is sent.
        ex.fail(bodyFailure(broken.errored));
        return this.pool.release(this);
      }
      queueWrite(sock, head);
      const resume = () => body.resume();
      body.on('data', (c: Buffer) => {
        if (ex.conn !== this || this.closed || (ex.done && ex.bodySent)) return;
        let ok: boolean;
        if (chunked) {
          if (c.length === 0) return;
          queueLatin1(sock, `${c.length.toString(16)}\r\n`);
          queueWrite(sock, c);
          ok = queueLatin1(sock, '\r\n');
        } else ok = queueWrite(sock, c);
        if (!ok) {
          body.pause();
          sock.once('drain', resume);
        }
      });
      body.on('end', () => {
        if (ex.conn !== this || this.closed) return;
        if (chunked) {
          queueLatin1(sock, '0\r\n\r\n');
        }
        this.sent(ex);
        // The response may have ended first (the upstream answered early); the connection is free only now.
        if (ex.done && this.ex === undefined) this.pool.release(this);
      });
      body.on('error', (e: UpstreamError) => ex.abort(bodyFailure(e)));
    }
  }

  private sent(ex: Dispatch): void {
    ex.bodySent = true;
    // An upgrade waits for its 101 under the same deadline; the tunnel that follows has none (it leaves the pool).
    if (!ex.done && this.ex === ex) {
      const t = this.pool.opts.headersTimeout;
      this.deadline = t > 0 ? clock + t : 0;
    }
  }

  private readonly onHeaders = (h: string[]): void => {
    for (const x of h) this.hdrs.push(x);
  };

  private readonly onHeadersComplete = (
    _maj: number,
    _min: number,
    raw: string[] | undefined,
    _m: unknown,
    _u: unknown,
    status: number,
    _sm: unknown,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    if (raw === undefined) {
      raw = this.hdrs;
      this.hdrs = [];
    }
    readBegins();
    const ex = this.ex;
    if (!ex || ex.done) {
      // An answer nobody asked for (or to an aborted request): the connection is out of step.
      this.destroy();
      return 1;
    }
    if (status < 200 && status !== 101) {
      this.info = true;
      return 1;
    }
    if (status === 101 && upgrade && ex.opts.upgrade !== undefined && ex.h.onRequestUpgrade) {
      this.upgraded = true;
      this.upgradeHead = raw;
      return 2;
    }
    this.keepAlive = keepAlive && ex.opts.upgrade === undefined;
    const t = this.pool.opts.bodyTimeout;
    this.timeoutCode = UPSTREAM_CODES.bodyTimeout;
    this.deadline = t > 0 ? clock + t : 0;
    this.reading = ex;
    ex.h.onResponseStart(ex, status, raw);
    return ex.opts.upstreamMethod === 'HEAD' ? 1 : 0;
  };

  private upgradeHead: string[] = [];
  /** reading is the exchange that got response bytes during the current read. */
  private reading: Dispatch | undefined;

  private readonly onBody = (b: Buffer): void => {
    readBegins();
    const ex = this.ex;
    if (!ex || ex.done) return;
    this.reading = ex;
    const t = this.pool.opts.bodyTimeout;
    if (t > 0) this.deadline = clock + t;
    ex.h.onResponseData(ex, b);
  };

  private readonly onMessageComplete = (): void => {
    readBegins();
    // An upgrade's head completes a message too; the socket is handed over once execute() returns.
    if (this.upgraded) return;
    if (this.info) {
      this.info = false;
      return;
    }
    const ex = this.ex;
    if (!ex) return;
    this.ex = undefined;
    this.deadline = 0;
    if (ex.done) return;
    ex.done = true;
    ex.h.onResponseEnd(ex);
    // A response that ended before its streamed request body was sent: the rest of that body will not come (the client's
    // answer is complete, so the gateway drops what it still sends), and a connection holding half a request cannot carry
    // another one — it closes instead of waiting for an end that never comes.
    if (!ex.bodySent && ex.opts.body != null && !Buffer.isBuffer(ex.opts.body)) this.keepAlive = false;
    this.pool.release(this);
  };

  private readonly onExecute = (r: number | ParseError, chunk: Buffer | undefined): void => {
    readDone();
    const cur = this.reading;
    this.reading = undefined;
    // A request that ended in this read hears nothing more: its handler may already serve another attempt (a retry, or
    // the next request of its client connection; see ProxyHandler.renew).
    if (cur !== undefined && !cur.done) cur.h.onRead?.();
    if (typeof r !== 'number') {
      const ex = this.ex;
      this.destroy();
      ex?.fail(fail('GW_BAD_UPSTREAM_RESPONSE', `malformed upstream response (${r.code})`));
      return;
    }
    if (this.upgraded && chunk) {
      const ex = this.ex!;
      this.ex = undefined;
      this.deadline = 0;
      this.closed = true;
      watched.delete(this);
      this.pool.forget(this);
      const sock = this.sock;
      sock.removeAllListeners('data');
      sock.removeListener('end', this.onEnd);
      sock.removeListener('close', this.onClose);
      sock.removeAllListeners('error');
      sock.pause();
      if (r < chunk.length) sock.unshift(chunk.subarray(r));
      ex.done = true;
      ex.h.onRequestUpgrade!(ex, 101, this.upgradeHead, sock);
    }
  };

  private readonly onEnd = (): void => {
    // A response delimited by the end of the connection is complete now.
    if (this.ex && !this.ex.done) {
      this.p.finish();
      // finish() runs the parser's callbacks outside a read: what they wrote leaves now.
      readDone();
    }
  };

  private readonly onClose = (): void => {
    if (this.closed) return;
    this.closed = true;
    watched.delete(this);
    this.pool.forget(this);
    const ex = this.ex;
    this.ex = undefined;
    if (ex && !ex.done) {
      const e = this.error;
      if (!this.connected) ex.fail(e ?? fail('ECONNREFUSED', 'connection failed'));
      else ex.fail(fail(e?.code === 'ECONNREFUSED' ? 'ECONNRESET' : (e?.code ?? 'ECONNRESET'), e?.message ?? 'upstream closed the connection'));
    }
    detach(this.sock, this.p);
    this.p.free?.();
    this.pool.next();
  };

  /** idle readies the connection for the pool: reading continues so a close by the server is seen at once. */
  idle(): void {
    const t = this.pool.opts.keepAliveTimeout;
    this.timeoutCode = '';
    this.deadline = t > 0 ? clock + t : 0;
  }
}

/** H1Pool keeps connections to one server; requests take the most recently used idle one, then a new one, then queue. */
export class H1Pool {
  readonly opts: PoolOptions;
  readonly hostHeader: string;
  readonly queue: Dispatch[] = [];
  private readonly idleConns: Conn[] = [];
  private readonly all = new Set<Conn>();
  private closing = false;
  private closedWaiters: (() => void)[] = [];

  constructor(opts: PoolOptions) {
    this.opts = opts;
    const host = net.isIPv6(opts.host) ? `[${opts.host}]` : opts.host;
    const dflt = opts.tls ? 443 : 80;
    this.hostHeader = opts.port === dflt ? host : `${host}:${opts.port}`;
  }

  /** connections is the number of open (or opening) connections. */
  get connections(): number {
    return this.all.size;
  }

  /**
   * dispatch sends a request; the handler hears about it, including failures (never thrown). The controller returned
   * reaches the request before `onRequestStart` too (waiting for a connection, connecting), so a caller can abort it there.
   */
  dispatch(opts: DispatchOptions, h: DispatchHandler): DispatchController {
    const ex = new Dispatch(this, opts, h);
    if (this.closing) {
      queueMicrotask(() => ex.fail(fail(UPSTREAM_CODES.poolClosed, 'the upstream pool is closed')));
      return ex;
    }
    if (opts.upgrade !== undefined) {
      // An upgraded connection leaves the pool, so it never takes a pooled one; it is read through 'data' events.
      const c = new Conn(this, false);
      this.all.add(c);
      c.run(ex);
      return ex;
    }
    let c: Conn | undefined;
    while ((c = this.idleConns.pop()) !== undefined && c.closed);
    if (c) {
      c.run(ex);
      return ex;
    }
    if (this.opts.connections > 0 && this.all.size >= this.opts.connections) {
      // Waiting for a connection counts as connecting: after connectTimeout it fails like a connect timeout (504, or
      // another server when retries allow).
      if (this.opts.connectTimeout > 0) {
        ex.queuedUntil = performance.now() + this.opts.connectTimeout;
        queuing.add(this);
        startTicker();
      }
      this.queue.push(ex);
      return ex;
    }
    c = new Conn(this, true);
    this.all.add(c);
    c.run(ex);
    return ex;
  }

  /** release returns a connection after an exchange: to the next queued request, to the idle list, or closed. */
  release(c: Conn): void {
    c.ex = undefined;
    if (c.closed) return;
    if (!c.keepAlive || this.closing) {
      c.destroy();
      return;
    }
    // A handler may have paused the connection (a slow client) for a response that then ended in the same read, and its
    // resume comes too late to count: a pooled connection always reads (the next response, or the server's close).
    readStart(c.sock);
    const next = this.queue.shift();
    if (next) return c.run(next);
    c.idle();
    this.idleConns.push(c);
  }

  /** expireQueued fails the queued requests whose wait for a connection is over. */
  expireQueued(now: number): void {
    if (this.queue.length === 0) return void queuing.delete(this);
    for (const ex of this.queue.filter((x) => x.queuedUntil > 0 && now >= x.queuedUntil)) {
      ex.fail(fail(UPSTREAM_CODES.connectTimeout, `no connection to ${this.hostHeader} became free within the connect timeout (max_connections ${this.opts.connections})`));
    }
  }

  /** forget drops a closed connection. */
  forget(c: Conn): void {
    this.all.delete(c);
    const i = this.idleConns.indexOf(c);
    if (i >= 0) this.idleConns.splice(i, 1);
    if (this.all.size === 0 && this.closedWaiters.length) for (const w of this.closedWaiters.splice(0)) w();
  }

  /** next opens a connection for a queued request after one closed. */
  next(): void {
    if (this.closing || this.queue.length === 0) return;
    if (this.opts.connections > 0 && this.all.size >= this.opts.connections) return;
    const c = new Conn(this, true);
    this.all.add(c);
    c.run(this.queue.shift()!);
  }

  /** close refuses new requests, closes idle connections and resolves once the busy ones have finished. */
  close(): Promise<void> {
    this.closing = true;
    for (const c of this.idleConns.splice(0)) c.destroy();
    for (const ex of this.queue.splice(0)) ex.fail(fail(UPSTREAM_CODES.poolClosed, 'the upstream pool is closed'));
    if (this.all.size === 0) return Promise.resolve();
    return new Promise((r) => this.closedWaiters.push(r));
  }

  /** destroy closes every connection now, failing requests in flight. */
  destroy(): Promise<void> {
    const p = this.close();
    for (const c of this.all) {
      c.ex?.fail(fail(UPSTREAM_CODES.poolClosed, 'the upstream pool was destroyed'));
      c.destroy();
    }
    return p;
  }
}
