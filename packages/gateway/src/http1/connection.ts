// The HTTP/1.1 server's parsing and dispatch: one llhttp parser per connection in strict mode, reading straight from the
// socket's native handle, that checks each request head (framing.ts) and hands it to the pipelining layer, or the
// socket to the upgrade handler. node:http's server machinery alone costs more than half a core's throughput; see
// docs/gateway.md (Benchmark).
import type net from 'node:net';
import { ALLOWED_METHODS, announcesBody, framingError } from './framing.ts';
import { HTTPParser, METHODS, attach, handleOf, type ParseError, type Parser } from './llhttp.ts';
import type { ServerState } from './options.ts';
import { PipelinedConn, freeRequests } from './pipeline.ts';
import { H1Request } from './request.ts';
import { coarseNow } from './timeouts.ts';
import { endAfterWrites, flushWrites, readBegins, readDone } from './write-batch.ts';

/** httpVersion names a request's version; the usual two are constants, so comparing them is a pointer check and nothing is allocated. */
function httpVersion(maj: number, min: number): string {
  if (maj === 1) return min === 1 ? '1.1' : min === 0 ? '1.0' : `1.${min}`;
  return `${maj}.${min}`;
}

/** H1Conn is one client connection: its parser and the request being read, on top of pipelining and timeouts. */
export class H1Conn extends PipelinedConn {
  private readonly p: Parser;
  private hdrs: string[] = [];
  private url = '';
  private pendingUpgrade: H1Request | undefined;
  private pendingUpgradeHandled = false;

  constructor(server: ServerState, sock: net.Socket, first: Buffer | undefined) {
    super(server, sock);
    const p = (this.p = new HTTPParser());
    p.initialize(HTTPParser.REQUEST, {}, server.opts.maxHeaderSize, 0);
    p[HTTPParser.kOnMessageBegin] = this.onBegin;
    p[HTTPParser.kOnHeaders] = this.onHeaders;
    p[HTTPParser.kOnHeadersComplete] = this.onHeadersComplete;
    p[HTTPParser.kOnBody] = this.onBody;
    p[HTTPParser.kOnMessageComplete] = this.onComplete;
    sock.on('error', () => {});
    sock.on('close', this.onClose);
    server.conns.add(this);
    if (first) {
      this.onExecute(p.execute(first), first);
      if (sock.destroyed || this.pendingUpgradeHandled) return;
    }
    attach(sock, p, this.onExecute);
  }

  private readonly onBegin = (): void => {
    this.headStart = this.msgStart = coarseNow;
  };

  private readonly onHeaders = (h: string[], url: string): void => {
    for (const x of h) this.hdrs.push(x);
    this.url += url;
  };

  private readonly onHeadersComplete = (
    maj: number,
    min: number,
    raw: string[] | undefined,
    method: number,
    url: string | undefined,
    _s: unknown,
    _sm: unknown,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    if (raw === undefined) {
      raw = this.hdrs;
      this.hdrs = [];
    }
    if (url === undefined) {
      url = this.url;
      this.url = '';
    }
    readBegins();
    this.headStart = 0;
    if (this.closing) return 1;
    // A finished request from the free list (recycle) serves this one, every field set again; else a new one.
    const spare = freeRequests.take();
    let req: H1Request;
    if (spare !== undefined) {
      spare.init(this.sock, METHODS[method] ?? 'GET', url, httpVersion(maj, min), raw, keepAlive && !this.server.draining, upgrade);
      req = spare;
    } else req = new H1Request(this.sock, METHODS[method] ?? 'GET', url, httpVersion(maj, min), raw, keepAlive && !this.server.draining, upgrade);
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
    const framing = framingError(te, cl !== undefined);
    if (framing !== undefined) return this.reject(400, 'Bad Request', framing);
    if (hosts > 1) return this.reject(400, 'Bad Request', 'more than one Host header');
    if (hosts === 0 && req.httpVersion === '1.1') return this.reject(400, 'Bad Request', 'missing Host header');
    if (method === 5 /* CONNECT */) return this.reject(405, 'Method Not Allowed', 'CONNECT is not supported');
    req.hasBody = announcesBody(te, cl);
    if (upgrade) {
      // The handshake takes the socket; nothing may be pipelined ahead of it.
      if (this.active) return this.reject(400, 'Bad Request', 'upgrade while a request is in flight');
      this.pendingUpgrade = req;
      return 0;
    }
    this.cur = req;
    this.enqueue(req);
    return 0;
  };

  private readonly onBody = (b: Buffer): void => {
    readBegins();
    this.cur?.push(b);
  };

  private readonly onComplete = (): void => {
    readBegins();
    const req = this.cur;
    this.cur = undefined;
    this.msgStart = 0;
    this.lastActive = coarseNow;
    if (!req) return;
    req.end();
    if (!req.keepAlive) this.stopReading();
  };

  private readonly onExecute = (r: number | ParseError, chunk: Buffer | undefined): void => {
    readDone();
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
      // What an earlier request's answer still has in the turn's batch goes before the upgrade's own bytes.
      flushWrites(this.sock);
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
    if (handleOf(this.sock)) {
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
    if (!this.sock.destroyed)
      endAfterWrites(
        this.sock,
        `HTTP/1.1 ${status} ${text}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${body.length}\r\n${allow}connection: close\r\n\r\n${body}`,
      );
    return 1;
  }

  private readonly onClose = (): void => {
    this.server.conns.delete(this);
    this.abandon();
    const cur = this.cur;
    if (cur && !cur.complete) cur.stream().destroy();
    this.cur = undefined;
    const p = this.p;
    if (!this.pendingUpgradeHandled) setImmediate(() => p.close());
  };
}
