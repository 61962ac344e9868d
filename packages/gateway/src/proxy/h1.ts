// The gateway's HTTP/1.1 server: raw net/tls sockets parsed by Node's llhttp binding in strict mode, with a small
// request/response pair shaped like node:http's (the subset the proxy and the plugins use). It exists because node:http's
// server machinery alone costs more than half a core's throughput; see docs/gateway.md (Benchmark).
import type net from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import { http } from '../node-http.ts';
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { HTTPParser, METHODS, attach, batchWrites, invalidHeaderValue, isToken, readStart, readStop, type ParseError, type Parser } from './llhttp.ts';

/** H1Options are the server's limits (ms; 0 disables a timeout). */
export interface H1Options {
  maxHeaderSize: number;
  keepAliveTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
}

/** H1Handlers receive parsed requests and upgrade requests. */
export interface H1Handlers {
  request(req: H1Request, res: H1Response): void;
  upgrade(req: H1Request, socket: net.Socket, head: Buffer): void;
}

let dateCache = '';
function httpDate(): string {
  if (!dateCache) {
    const d = new Date();
    dateCache = d.toUTCString();
    setTimeout(() => (dateCache = ''), 1000 - d.getMilliseconds()).unref();
  }
  return dateCache;
}

type Listener = Parameters<Readable['on']>[1];

// A coarse clock for the connection timeouts, advanced by the sweep (they are checked once a second anyway).
let coarseNow = performance.now();

// Bodies up to this size leave in the same write as the head (or their chunk frame).
const SMALL = 4096;

// Pipelined requests beyond this many stop the reading until the earlier ones are answered.
const MAX_PIPELINE = 16;

// An HTTP/1.0 keep-alive response of unknown length up to this size is held and sent with a Content-Length.
const HOLD_MAX = 64 * 1024;

/** ALLOWED_METHODS are the methods the gateway proxies (the `Allow` of its 405 answers and of `OPTIONS *`); CONNECT and TRACE are refused. */
export const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS';

/** H1Request is one parsed request: the fields of node:http's IncomingMessage the gateway reads, and its body as a stream. */
export class H1Request {
  readonly method: string;
  /** url is the request target; the proxy turns an absolute-form target into origin form (its authority becomes the Host). */
  url: string;
  readonly httpVersion: string;
  readonly rawHeaders: string[];
  readonly socket: net.Socket;
  readonly keepAlive: boolean;
  /** checked tells the proxy that the framing and Host checks were done here. */
  readonly checked = true;
  /** upgrade is set for an Upgrade request (WebSocket). */
  readonly upgrade: boolean;
  /** hostHeader is the Host header, read while checking the head (so the hot path needs no headers object). */
  hostHeader: string | undefined;
  /** connectionHeader is the Connection header (values joined). */
  connectionHeader: string | undefined;
  /** hasBody is set when the request announces a body (Content-Length > 0 or Transfer-Encoding). */
  hasBody = false;
  /** expectContinue is set for `Expect: 100-continue`. */
  expectContinue = false;
  /** complete is set once the whole message (body included) was read. */
  complete = false;
  res: H1Response | undefined;
  private hdrs: IncomingHttpHeaders | undefined;
  private body: Readable | undefined;
  /** dumped requests drop the rest of their body (the response went out without reading it). */
  dumped = false;

  constructor(sock: net.Socket, method: string, url: string, version: string, raw: string[], keepAlive: boolean, upgrade: boolean) {
    this.socket = sock;
    this.method = method;
    this.url = url;
    this.httpVersion = version;
    this.rawHeaders = raw;
    this.keepAlive = keepAlive;
    this.upgrade = upgrade;
  }

  /** headers are built on first use, like node:http's (lower-case names; repeated values joined, set-cookie an array). */
  get headers(): IncomingHttpHeaders {
    if (this.hdrs) return this.hdrs;
    const h: Record<string, string | string[]> = {};
    const raw = this.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!.toLowerCase();
      const v = raw[i + 1]!;
      const prev = h[k];
      if (prev === undefined) h[k] = k === 'set-cookie' ? [v] : v;
      else if (Array.isArray(prev)) prev.push(v);
      else h[k] = `${prev}${k === 'cookie' ? '; ' : ', '}${v}`;
    }
    return (this.hdrs = h as IncomingHttpHeaders);
  }

  /** stream is the request body (an empty, ended stream when there is none). */
  stream(): Readable {
    if (!this.body) {
      const sock = this.socket;
      this.body = new Readable({ read: () => readStart(sock) });
      // Errors reach whoever reads the body; an unread body must not crash the process.
      this.body.on('error', () => {});
      if (!this.hasBody || this.complete) this.body.push(null);
    }
    return this.body;
  }

  /** push receives a body chunk from the parser; a full stream buffer stops reading the socket. */
  push(b: Buffer): void {
    if (this.dumped) return;
    if (!this.stream().push(b)) readStop(this.socket);
  }

  /** end marks the body complete. */
  end(): void {
    this.complete = true;
    if (this.body && !this.dumped) this.body.push(null);
  }

  /** errored is the body's error (a malformed chunk), if any. */
  get errored(): Error | null {
    return this.body?.errored ?? null;
  }

  /** destroyed tells whether the body stream was torn down (the client left). */
  get destroyed(): boolean {
    return this.body?.destroyed ?? false;
  }

  get readableEnded(): boolean {
    return this.body?.readableEnded ?? (this.complete || !this.hasBody);
  }

  on(ev: string, fn: Listener): this {
    this.stream().on(ev, fn);
    return this;
  }

  once(ev: string, fn: Listener): this {
    this.stream().once(ev, fn);
    return this;
  }

  removeAllListeners(ev: string): this {
    this.stream().removeAllListeners(ev);
    return this;
  }

  pause(): this {
    this.stream().pause();
    return this;
  }

  resume(): this {
    this.stream().resume();
    return this;
  }
}

/** H1Response writes one response: the subset of node:http's ServerResponse the gateway uses. */
export class H1Response {
  readonly req: H1Request;
  statusCode = 200;
  headersSent = false;
  writableFinished = false;
  /** shouldKeepAlive may be cleared before the head is written to close the connection after this response. */
  shouldKeepAlive: boolean;
  private readonly conn: H1Conn;
  private readonly sock: net.Socket;
  private chunked = false;
  private noBody = false;
  private closeFn: (() => void) | undefined;
  /** held collects the head and body of an HTTP/1.0 keep-alive response of unknown length (undefined otherwise). */
  private held: { head: string; chunks: Buffer[]; size: number } | undefined;

  constructor(conn: H1Conn, req: H1Request, keepAlive: boolean) {
    this.conn = conn;
    this.req = req;
    this.sock = req.socket;
    this.shouldKeepAlive = keepAlive;
  }

  /**
   * writeHead serialises the status line and headers (written with the first body bytes). Headers given as an object are
   * checked (invalid ones throw); a flat `[name, value, …]` list is written as it is: its names and values must already be
   * valid (read by llhttp, or from a validated config) and hold no Connection or Transfer-Encoding header.
   */
  writeHead(status: number, headers?: Record<string, string | number | string[] | undefined> | string[]): this {
    if (this.headersSent) throw new Error('headers already sent');
    this.statusCode = status;
    let s = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    let length = false;
    let date = false;
    if (Array.isArray(headers)) {
      for (let i = 0; i < headers.length; i += 2) {
        const k = headers[i]!;
        const n = k.length;
        if (n === 14 || n === 4) {
          const l = k.toLowerCase();
          if (l === 'content-length') length = true;
          else if (l === 'date') date = true;
        }
        s += `${k}: ${headers[i + 1]}\r\n`;
      }
    } else if (headers) {
      for (const k in headers) {
        const v = headers[k];
        if (v === undefined) continue;
        if (!isToken(k)) throw new Error(`invalid header name ${JSON.stringify(k)}`);
        const n = k.length;
        if (n === 14 || n === 10 || n === 17 || n === 4) {
          const l = k.toLowerCase();
          if (l === 'content-length') length = true;
          else if (l === 'date') date = true;
          else if (l === 'connection') {
            if (/\bclose\b/i.test(String(v))) this.shouldKeepAlive = false;
            continue;
          } else if (l === 'transfer-encoding') continue;
        }
        if (Array.isArray(v)) {
          for (const x of v) {
            if (invalidHeaderValue(x)) throw new Error(`invalid value for header ${k}`);
            s += `${k}: ${x}\r\n`;
          }
        } else {
          const x = typeof v === 'string' ? v : String(v);
          if (invalidHeaderValue(x)) throw new Error(`invalid value for header ${k}`);
          s += `${k}: ${x}\r\n`;
        }
      }
    }
    if (!date) s += `date: ${httpDate()}\r\n`;
    this.noBody = status === 204 || status === 304 || (status >= 100 && status < 200) || this.req.method === 'HEAD';
    if (this.conn.draining || this.conn.answersLast) this.shouldKeepAlive = false;
    this.headersSent = true;
    if (!this.noBody && !length) {
      if (this.req.httpVersion === '1.1') {
        this.chunked = true;
        s += 'transfer-encoding: chunked\r\n';
      } else if (this.shouldKeepAlive) {
        // HTTP/1.0 has no chunking: a body of unknown length is held (up to HOLD_MAX) to be sent with its length, so the
        // connection — and the requests pipelined on it — survive; a larger one is delimited by closing, as nginx does.
        this.held = { head: s, chunks: [], size: 0 };
        return this;
      } else this.shouldKeepAlive = false;
    }
    if (!this.shouldKeepAlive) s += 'connection: close\r\n';
    else if (this.req.httpVersion === '1.0') s += 'connection: keep-alive\r\n';
    // The head waits for the first body bytes so that a small response leaves in one write; a tick later it goes alone.
    this.head = `${s}\r\n`;
    if (!this.flushByCaller) process.nextTick(this.flush);
    return this;
  }

  /**
   * flushByCaller is set by a writer that calls flushHeaders() itself once it has written what it has (the proxy does,
   * after each upstream read), which saves a nextTick per response.
   */
  flushByCaller = false;

  /** head is the serialised head not yet written. */
  private head: string | undefined;

  private readonly flush = (): void => {
    const h = this.head;
    if (h === undefined) return;
    this.head = undefined;
    if (this.sock.destroyed) return;
    batchWrites(this.sock);
    this.sock.write(h, 'latin1');
  };

  /** flushHeaders sends the head now. */
  flushHeaders(): void {
    if (!this.headersSent) this.writeHead(this.statusCode);
    this.flush();
  }

  /**
   * write sends a body chunk; false means the client is not keeping up (wait for 'drain'). Writes are batched until the
   * end of the event loop turn (batchWrites), so a head, its chunk frames and the body leave in one system call.
   */
  write(chunk: Buffer | string): boolean {
    if (this.writableFinished) return false;
    if (!this.headersSent) this.writeHead(this.statusCode);
    const sock = this.sock;
    if (this.noBody || chunk.length === 0 || sock.destroyed) return true;
    if (this.held !== undefined) {
      // A copy: a proxied chunk may be a view of a read buffer the upstream connection reuses.
      const b = Buffer.from(chunk);
      const held = this.held;
      held.size += b.length;
      held.chunks.push(b);
      if (held.size <= HOLD_MAX) return true;
      // Too large to hold: the body goes out as it comes and the end of the connection delimits it.
      this.shouldKeepAlive = false;
      this.head = `${held.head}connection: close\r\n\r\n`;
      this.held = undefined;
      return this.write(Buffer.concat(held.chunks));
    }
    batchWrites(sock);
    const h = this.head;
    this.head = undefined;
    // A head with a small body (or chunk frame) is one string: latin1 carries the body bytes unchanged.
    const small = typeof chunk !== 'string' && chunk.length <= SMALL;
    if (this.chunked) {
      const size = Buffer.byteLength(chunk).toString(16);
      if (small) return sock.write(`${h ?? ''}${size}\r\n${chunk.toString('latin1')}\r\n`, 'latin1');
      sock.write(h === undefined ? `${size}\r\n` : `${h}${size}\r\n`, 'latin1');
      sock.write(chunk);
      return sock.write('\r\n');
    }
    if (h === undefined) return sock.write(chunk);
    if (small) return sock.write(`${h}${chunk.toString('latin1')}`, 'latin1');
    sock.write(h, 'latin1');
    return sock.write(chunk);
  }

  /** end finishes the response (with a last chunk). */
  end(chunk?: Buffer | string): this {
    if (this.writableFinished) return this;
    if (!this.headersSent) {
      if (chunk !== undefined && !this.noBody) this.writeHead(this.statusCode, { 'content-length': Buffer.byteLength(chunk) });
      else this.writeHead(this.statusCode);
    }
    if (chunk !== undefined && chunk.length) this.write(chunk);
    const held = this.held;
    if (held !== undefined) {
      const body = Buffer.concat(held.chunks);
      this.held = undefined;
      if (this.conn.draining || this.conn.answersLast) this.shouldKeepAlive = false;
      const conn = this.shouldKeepAlive ? 'keep-alive' : 'close';
      if (!this.sock.destroyed) {
        batchWrites(this.sock);
        this.sock.write(`${held.head}content-length: ${body.length}\r\nconnection: ${conn}\r\n\r\n`, 'latin1');
        this.sock.write(body);
      }
    }
    if (this.chunked && !this.sock.destroyed) {
      const h = this.head;
      this.head = undefined;
      batchWrites(this.sock);
      this.sock.write(h === undefined ? '0\r\n\r\n' : `${h}0\r\n\r\n`, 'latin1');
    }
    this.flush();
    this.writableFinished = true;
    this.conn.finished(this);
    const fn = this.closeFn;
    this.closeFn = undefined;
    fn?.();
    return this;
  }

  /** destroy cuts the connection (the client sees a truncated response). */
  destroy(_err?: Error): this {
    this.sock.destroy();
    return this;
  }

  /** once supports 'close' (response finished or connection gone) and 'drain'. */
  once(ev: string, fn: () => void): this {
    if (ev === 'close') this.closeFn = fn;
    else if (ev === 'drain') this.sock.once('drain', fn);
    return this;
  }

  /** gone runs the close callback when the connection closed before the response finished. */
  gone(): void {
    const fn = this.closeFn;
    this.closeFn = undefined;
    fn?.();
  }
}

/** H1Conn is one client connection: its parser, the request being read, and the queue of requests waiting for an answer. */
export class H1Conn {
  readonly server: H1Server;
  readonly sock: net.Socket;
  private readonly p: Parser;
  private hdrs: string[] = [];
  private url = '';
  /** cur is the request whose body is being read. */
  private cur: H1Request | undefined;
  /** active is the request being answered; queue holds pipelined requests after it. */
  private active: H1Request | undefined;
  private readonly queue: H1Request[] = [];
  /** headStart is when the current message began (0: between messages). */
  headStart = 0;
  msgStart = 0;
  lastActive = coarseNow;
  /** closing stops reading requests (a response said Connection: close, or the request was bad). */
  private closing = false;
  private pendingUpgrade: H1Request | undefined;

  constructor(server: H1Server, sock: net.Socket, first: Buffer | undefined) {
    this.server = server;
    this.sock = sock;
    const p = (this.p = new HTTPParser());
    p.initialize(HTTPParser.REQUEST, {}, server.opts.maxHeaderSize, 0);
    p[HTTPParser.kOnMessageBegin] = this.onBegin;
    p[HTTPParser.kOnHeaders] = this.onHeaders;
    p[HTTPParser.kOnHeadersComplete] = this.onHeadersComplete;
    p[HTTPParser.kOnBody] = this.onBody;
    p[HTTPParser.kOnMessageComplete] = this.onComplete;
    sock.on('error', () => {});
    sock.on('close', this.onClose);
    sock.on('drain', () => (this.stalledSince = 0));
    server.conns.add(this);
    if (first) {
      this.onExecute(p.execute(first), first);
      if (sock.destroyed || this.pendingUpgradeHandled) return;
    }
    attach(sock, p, this.onExecute);
  }

  private pendingUpgradeHandled = false;

  /**
   * answersLast tells whether the response being written is the connection's last: it stops reading requests and none is
   * waiting behind this one. Requests pipelined before the one that closes it are still answered, each in order.
   */
  get answersLast(): boolean {
    return this.closing && this.queue.length === 0;
  }

  get draining(): boolean {
    return this.server.draining;
  }

  /** idle tells whether nothing is in flight on the connection. */
  get idle(): boolean {
    return this.active === undefined && this.cur === undefined && this.headStart === 0;
  }

  private readonly onBegin = (): void => {
    this.headStart = this.msgStart = coarseNow;
  };

  private readonly onHeaders = (h: string[], url: string): void => {
    for (const x of h) this.hdrs.push(x);
    this.url += url;
  };

  private readonly onHeadersComplete = (maj: number, min: number, raw: string[] | undefined, method: number, url: string | undefined, _s: unknown, _sm: unknown, upgrade: boolean, keepAlive: boolean): number => {
    if (raw === undefined) {
      raw = this.hdrs;
      this.hdrs = [];
    }
    if (url === undefined) {
      url = this.url;
      this.url = '';
    }
    this.headStart = 0;
    if (this.closing) return 1;
    const req = new H1Request(this.sock, METHODS[method] ?? 'GET', url, `${maj}.${min}`, raw, keepAlive && !this.server.draining, upgrade);
    // Framing and Host checks (request smuggling shapes); llhttp's strict mode already refused the rest.
    let hosts = 0;
    let te: string | undefined;
    let cl: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const n = raw[i]!;
      const len = n.length;
      if (len === 4) {
        if (n.toLowerCase() === 'host' && hosts++ === 0) req.hostHeader = raw[i + 1];
      } else if (len === 10) {
        if (n.toLowerCase() === 'connection') req.connectionHeader = req.connectionHeader === undefined ? raw[i + 1] : `${req.connectionHeader}, ${raw[i + 1]}`;
      } else if (len === 14) {
        if (n.toLowerCase() === 'content-length') cl = raw[i + 1];
      } else if (len === 17) {
        if (n.toLowerCase() === 'transfer-encoding') te = te === undefined ? raw[i + 1] : `${te}, ${raw[i + 1]}`;
      } else if (len === 6 && n.toLowerCase() === 'expect') {
        const v = raw[i + 1]!.trim().toLowerCase();
        if (v === '100-continue' && req.httpVersion === '1.1') req.expectContinue = true;
        else if (v !== '100-continue') return this.reject(417, 'Expectation Failed', 'unsupported Expect');
      }
    }
    if (te !== undefined && cl !== undefined) return this.reject(400, 'Bad Request', 'both Content-Length and Transfer-Encoding');
    if (te !== undefined && !/(^|,)\s*chunked\s*$/i.test(te)) return this.reject(400, 'Bad Request', 'Transfer-Encoding must end with chunked');
    if (hosts > 1) return this.reject(400, 'Bad Request', 'more than one Host header');
    if (hosts === 0 && req.httpVersion === '1.1') return this.reject(400, 'Bad Request', 'missing Host header');
    if (method === 5 /* CONNECT */) return this.reject(405, 'Method Not Allowed', 'CONNECT is not supported');
    req.hasBody = te !== undefined || (cl !== undefined && cl !== '0');
    if (upgrade) {
      // The handshake takes the socket; nothing may be pipelined ahead of it.
      if (this.active) return this.reject(400, 'Bad Request', 'upgrade while a request is in flight');
      this.pendingUpgrade = req;
      return 0;
    }
    this.cur = req;
    this.queue.push(req);
    if (this.active === undefined) this.next();
    else if (this.queue.length >= MAX_PIPELINE) readStop(this.sock);
    return 0;
  };

  private readonly onBody = (b: Buffer): void => {
    this.cur?.push(b);
  };

  private readonly onComplete = (): void => {
    const req = this.cur;
    this.cur = undefined;
    this.msgStart = 0;
    this.lastActive = coarseNow;
    if (!req) return;
    req.end();
    if (!req.keepAlive) this.stopReading();
  };

  private readonly onExecute = (r: number | ParseError, chunk: Buffer | undefined): void => {
    if (typeof r !== 'number') {
      if (this.closing) return;
      if (this.active || this.cur) {
        // Earlier requests are answered and the connection closes after them. A body that turned out malformed fails its
        // stream, which aborts the upstream request before it is complete.
        const cur = this.cur;
        this.stopReading();
        if (cur && !cur.complete) cur.stream().destroy(Object.assign(new Error(`malformed request body (${r.code})`), { code: 'GW_BAD_REQUEST_BODY' }));
        return;
      }
      if (r.code === 'HPE_HEADER_OVERFLOW') {
        if (this.inRequestLine(r, chunk)) this.reject(414, 'URI Too Long', 'the request line is longer than max_header_size');
        else this.reject(431, 'Request Header Fields Too Large', 'the request head is larger than max_header_size');
      } else this.reject(400, 'Bad Request', 'malformed request');
      return;
    }
    const up = this.pendingUpgrade;
    if (up) {
      this.pendingUpgrade = undefined;
      this.pendingUpgradeHandled = true;
      const d = chunk ?? this.p.getCurrentBuffer();
      const head = d.subarray(r);
      this.release();
      this.sock.removeListener('close', this.onClose);
      this.server.conns.delete(this);
      this.server.handlers.upgrade(up, this.sock, Buffer.from(head));
    }
  };

  /**
   * inRequestLine tells whether a head overflowed while its request line was still being read (414, nginx's "Request-URI
   * Too Large") rather than its headers (431). llhttp reports one overflow for both, so the bytes read before the error
   * decide: after the last line feed, a request line in progress is a method, a space and a target without a space.
   */
  private inRequestLine(r: ParseError, chunk: Buffer | undefined): boolean {
    const d = chunk ?? this.p.getCurrentBuffer();
    const end = Math.min(r.bytesParsed ?? d.length, d.length);
    const from = d.lastIndexOf(10, end - 1) + 1;
    return /^[A-Z]{3,20} [^ ]*$/.test(d.toString('latin1', from, end));
  }

  /** release gives the socket back to JavaScript (upgrades) and frees the parser. */
  private release(): void {
    this.closing = true;
    const h = (this.sock as unknown as { _handle: { isStreamBase?: boolean } | null })._handle;
    if (h?.isStreamBase) {
      try {
        this.p.unconsume();
      } catch {
        // not consumed (the first bytes were executed by hand)
      }
    }
    this.sock.removeAllListeners('data');
    // Bytes read from now on wait in the socket's buffer for whoever takes it over.
    this.sock.pause();
    const p = this.p;
    setImmediate(() => p.close());
  }

  /** reject answers a bad request and closes the connection; nothing of it reaches an upstream. */
  private reject(status: number, text: string, message: string): number {
    this.stopReading();
    if (this.active) return 1;
    const body = `${status} ${text}: ${message}\n`;
    const allow = status === 405 ? `allow: ${ALLOWED_METHODS}\r\n` : '';
    if (!this.sock.destroyed) this.sock.end(`HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n${allow}connection: close\r\n\r\n${body}`);
    return 1;
  }

  private stopReading(): void {
    if (this.closing) return;
    this.closing = true;
    readStop(this.sock);
  }

  /** next starts answering the oldest waiting request. */
  private next(): void {
    const req = this.queue.shift();
    if (!req) return;
    this.active = req;
    if (this.queue.length < MAX_PIPELINE && !this.closing) readStart(this.sock);
    const res = new H1Response(this, req, req.keepAlive);
    req.res = res;
    if (req.expectContinue && !req.complete) this.sock.write('HTTP/1.1 100 Continue\r\n\r\n');
    this.server.handlers.request(req, res);
  }

  /** finished runs as a response ends: the connection closes or the next request is answered. */
  finished(res: H1Response): void {
    const req = res.req;
    if (this.active !== req) return;
    this.active = undefined;
    this.lastActive = coarseNow;
    if (!req.complete) {
      // The answer went out before the body was read (an error, a plugin answer): the rest is read and dropped.
      req.dumped = true;
      readStart(this.sock);
    }
    if (!res.shouldKeepAlive || this.server.draining) {
      this.closing = true;
      this.queue.length = 0;
      if (!this.sock.destroyed) this.sock.end();
      return;
    }
    if (this.queue.length === 0) {
      if (this.closing && !this.sock.destroyed) this.sock.end();
    } else if (this.sock.writableNeedDrain) {
      // A client that does not read its answers gets no more of them until it does: pipelined requests wait (and reading
      // stops at MAX_PIPELINE), so the responses waiting in memory stay bounded by the socket's buffer.
      this.sock.once('drain', () => {
        if (this.active === undefined && !this.sock.destroyed) this.next();
      });
    } else if (!this.sock.destroyed) this.next();
  }

  private readonly onClose = (): void => {
    this.server.conns.delete(this);
    const req = this.active;
    this.active = undefined;
    this.queue.length = 0;
    if (req?.res && !req.res.writableFinished) req.res.gone();
    const cur = this.cur;
    if (cur && !cur.complete) cur.stream().destroy();
    this.cur = undefined;
    const p = this.p;
    if (!this.pendingUpgradeHandled) setImmediate(() => p.close());
  };

  /** sweep applies the keep-alive, head and request timeouts. */
  sweep(now: number): void {
    const o = this.server.opts;
    if (this.headStart > 0 && o.headersTimeout > 0 && now - this.headStart > o.headersTimeout) return this.timeout();
    if (this.cur && this.msgStart > 0 && o.requestTimeout > 0 && now - this.msgStart > o.requestTimeout) return this.timeout();
    // A client that reads none of its answers for a keep-alive period (nginx's send_timeout) is cut; any 'drain' (it read
    // something) starts the count again.
    if (this.sock.writableNeedDrain) {
      if (this.stalledSince === 0) this.stalledSince = now;
      else if (now - this.stalledSince > (o.keepAliveTimeout || 60_000)) return void this.sock.destroy();
    } else this.stalledSince = 0;
    if (this.idle && o.keepAliveTimeout > 0 && now - this.lastActive > o.keepAliveTimeout) this.closeIdleSocket();
  }

  /**
   * closeIdleSocket closes a connection with nothing in flight. The last response may still wait in the turn's write
   * batch (batchWrites): then the socket ends once it is written instead of being cut.
   */
  private closeIdleSocket(): void {
    if (this.sock.writableLength === 0) return void this.sock.destroy();
    if (this.idleCloseAt === 0) {
      this.idleCloseAt = coarseNow;
      this.sock.destroySoon();
      return;
    }
    // A client that does not read its last response either is cut one keep-alive period (or 5 s) later.
    if (coarseNow - this.idleCloseAt > (this.server.opts.keepAliveTimeout || 5000)) this.sock.destroy();
  }

  /** stalledSince is when the sweep first saw the client's answers backed up (0: not backed up, or it read since). */
  private stalledSince = 0;

  /** idleCloseAt is when closing this idle connection began, waiting for its last response to be written (0: not begun). */
  private idleCloseAt = 0;

  private timeout(): void {
    if (this.active) {
      this.sock.destroy();
      return;
    }
    this.stopReading();
    if (!this.sock.destroyed) this.sock.end('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  }

  /** closeIfIdle closes the connection when nothing is in flight (draining). */
  closeIfIdle(): void {
    if (this.idle && this.queue.length === 0) this.closeIdleSocket();
  }
}

/** H1Server accepts sockets from a net or tls listener and serves HTTP/1.1 on them. */
export class H1Server {
  opts: H1Options;
  readonly handlers: H1Handlers;
  readonly conns = new Set<H1Conn>();
  draining = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: H1Options, handlers: H1Handlers) {
    this.opts = opts;
    this.handlers = handlers;
  }

  /** handle serves a connection; `first` holds bytes already read from it (protocol sniffing). */
  handle(sock: net.Socket, first?: Buffer): void {
    sock.setNoDelay(true);
    if (!this.timer) coarseNow = performance.now();
    new H1Conn(this, sock, first);
    if (!this.timer) {
      this.timer = setInterval(() => {
        const now = (coarseNow = performance.now());
        for (const x of this.conns) x.sweep(now);
        if (this.conns.size === 0) {
          clearInterval(this.timer);
          this.timer = undefined;
        }
      }, 1000);
      this.timer.unref();
    }
  }

  /** closeIdle closes the connections with nothing in flight; with `drain`, the others close after their response. */
  closeIdle(drain = true): void {
    if (drain) this.draining = true;
    for (const c of this.conns) c.closeIfIdle();
  }
}
