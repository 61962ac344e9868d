// The HTTP/1.1 response writer: the subset of node:http's ServerResponse the gateway uses, writing a head together with
// the first body bytes (one write for a small response), chunk frames for bodies of unknown length, and the held answer
// of an HTTP/1.0 keep-alive client (no chunking there).
import type net from 'node:net';
import { http } from './node-http.ts';
import { invalidHeaderValue, isToken } from './llhttp.ts';
import { queueLatin1, queueWrite } from './write-batch.ts';
import { headBegin, headEnd, headPut, headPutBytes } from './head-buffer.ts';
import type { H1Request } from './request.ts';
import { sameName } from './headers.ts';

let dateCache = '';
/** dateEnd is dateCache followed by the blank line that ends a head (the usual end of a passed-through head). */
let dateEnd = '';
/** dateLine is the `date` header line, made once a second. */
function dateLine(): string {
  if (!dateCache) {
    const d = new Date();
    dateCache = `date: ${d.toUTCString()}\r\n`;
    dateEnd = `${dateCache}\r\n`;
    setTimeout(() => (dateCache = ''), 1000 - d.getMilliseconds()).unref();
  }
  return dateCache;
}

const STATUS_LINES = new Map<number, string>();
/** statusLine is a status line, made once per status code. */
function statusLine(status: number): string {
  let l = STATUS_LINES.get(status);
  if (l === undefined) STATUS_LINES.set(status, (l = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Unknown'}\r\n`));
  return l;
}

/**
 * stringBytes writes a string head (or none), a chunk frame's size line when `size` is given, and a small body into the
 * head slab as one Buffer: latin1 carries the head unchanged, and the body is copied as bytes.
 */
function stringBytes(head: string | undefined, size: string | undefined, body: Buffer | string): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  headBegin((head?.length ?? 0) + (size === undefined ? 0 : size.length + 4) + b.length);
  if (head !== undefined) headPut(head);
  if (size !== undefined) {
    headPut(size);
    headPut('\r\n');
  }
  headPutBytes(b);
  if (size !== undefined) headPut('\r\n');
  return headEnd();
}

function flushLater(res: H1Response): void {
  res.ticking = false;
  res.flush();
}

/** listString serialises a flat header list (the rare paths that keep a head as a string). */
function listString(list: string[]): string {
  let s = '';
  for (let i = 0; i < list.length; i += 2) s += `${list[i]}: ${list[i + 1]}\r\n`;
  return s;
}

// Bodies up to this size leave in the same write as the head (or their chunk frame).
const SMALL = 4096;

// An HTTP/1.0 keep-alive response of unknown length up to this size is held and sent with a Content-Length.
const HOLD_MAX = 64 * 1024;

/** ResponseOwner is what a response needs of its connection (the pipelining layer): whether it answers last, and to hear that it finished. */
export interface ResponseOwner {
  /** draining is set while the server closes its connections (reload, stop). */
  readonly draining: boolean;
  /** answersLast tells whether the response being written is the connection's last. */
  readonly answersLast: boolean;
  /** finished runs as the response ends. */
  finished(res: H1Response): void;
  /** recycle takes back a finished response and its request for a later request (see H1Response.recycle). */
  recycle(res: H1Response): void;
}

// What a response waiting in the free list refers to instead of its last request, connection and socket (never read:
// init() sets the next one's).
const NOTHING = Object.freeze({});

/** H1Response writes one response: the subset of node:http's ServerResponse the gateway uses. */
export class H1Response {
  // Every field is set by init(), which also readies a response taken from the free list (PipelinedConn.recycle): a field
  // added here must be set there too (a test compares a reused response with a new one).
  req!: H1Request;
  statusCode!: number;
  headersSent!: boolean;
  writableFinished!: boolean;
  /** shouldKeepAlive may be cleared before the head is written to close the connection after this response. */
  shouldKeepAlive!: boolean;
  private conn!: ResponseOwner;
  private sock!: net.Socket;
  private chunked!: boolean;
  private noBody!: boolean;
  private closeFn!: (() => void) | undefined;
  /** closeTarget is told instead of closeFn (closeWith): no closure made per request. */
  private closeTarget!: { onClose(): void } | undefined;
  /** held collects the head and body of an HTTP/1.0 keep-alive response of unknown length (undefined otherwise). */
  private held!: { head: string; chunks: Buffer[]; size: number } | undefined;
  /**
   * flushByCaller is set by a writer that calls flushHeaders() itself once it has written what it has (the proxy does,
   * after each upstream read), which saves a nextTick per response.
   */
  flushByCaller!: boolean;
  /** head is the serialised head not yet written; with `list`, only the part after the list. */
  private head!: string | undefined;
  /** list is the flat header list of a head not yet written (writeHead with a list). */
  private list!: string[] | undefined;
  /** listStatus is the status line of a pending list head. */
  private listStatus!: string;
  /** ticking is set while a nextTick flush of the head is pending (it refers to this response). */
  ticking!: boolean;

  constructor(conn: ResponseOwner, req: H1Request, keepAlive: boolean) {
    this.init(conn, req, keepAlive);
  }

  /** init sets every field for a request's response (a new one, or one taken from the free list). */
  init(conn: ResponseOwner, req: H1Request, keepAlive: boolean): void {
    this.req = req;
    this.statusCode = 200;
    this.headersSent = false;
    this.writableFinished = false;
    this.shouldKeepAlive = keepAlive;
    this.conn = conn;
    this.sock = req.socket;
    this.chunked = false;
    this.noBody = false;
    this.closeFn = undefined;
    this.closeTarget = undefined;
    this.held = undefined;
    this.flushByCaller = false;
    this.head = undefined;
    this.list = undefined;
    this.listStatus = '';
    this.ticking = false;
  }

  /**
   * recycle tells the connection that whoever answered this response refers to neither it nor its request any more (the
   * proxy's exchange let go of both), so that they may serve a later request, of any connection (the free list).
   */
  recycle(): void {
    this.conn.recycle(this);
  }

  /** letGo drops what the response refers to of its request and connection as it goes to the free list. */
  letGo(): void {
    this.req = NOTHING as H1Request;
    this.conn = NOTHING as ResponseOwner;
    this.sock = NOTHING as net.Socket;
    this.held = undefined;
    this.head = undefined;
    this.list = undefined;
  }

  /**
   * writeHead serialises the status line and headers (written with the first body bytes). Headers given as an object are
   * checked (invalid ones throw); a flat `[name, value, …]` list is written as it is: its names and values must already be
   * valid (read by llhttp, or from a validated config) and hold no Connection or Transfer-Encoding header.
   */
  writeHead(status: number, headers?: Record<string, string | number | string[] | undefined> | string[]): this {
    if (this.headersSent) throw new Error('headers already sent');
    this.statusCode = status;
    // A list is not serialised here: it is written with the body's first bytes straight into the head slab (listBytes),
    // and `s` holds what follows it. An object head is a string, checked as it is built.
    const list = Array.isArray(headers) ? headers : undefined;
    let s = list === undefined ? statusLine(status) : '';
    let length = false;
    let date = false;
    if (list !== undefined) {
      for (let i = 0; i < list.length; i += 2) {
        const k = list[i]!;
        if (sameName(k, 'content-length')) length = true;
        else if (sameName(k, 'date')) date = true;
      }
    } else if (headers !== undefined && !Array.isArray(headers)) {
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
    if (!date) s += dateLine();
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
        this.held = { head: list === undefined ? s : statusLine(status) + listString(list) + s, chunks: [], size: 0 };
        return this;
      } else this.shouldKeepAlive = false;
    }
    if (!this.shouldKeepAlive) s += 'connection: close\r\n';
    else if (this.req.httpVersion === '1.0') s += 'connection: keep-alive\r\n';
    // The head waits for the first body bytes so that a small response leaves in one write; a tick later it goes alone.
    this.head = s !== '' && s === dateCache ? dateEnd : `${s}\r\n`;
    this.list = list;
    // The status as written now, like the rest of the head (statusCode set later changes nothing, as in node:http).
    if (list !== undefined) this.listStatus = statusLine(status);
    if (!this.flushByCaller) {
      this.ticking = true;
      process.nextTick(flushLater, this);
    }
    return this;
  }

  /**
   * listBytes writes the pending list head — status line, list, then `tail` — into the head slab, followed by a small
   * body (in a chunk frame when chunked) and `after`, and returns it as one Buffer for one write.
   */
  private listBytes(tail: string, body: Buffer | undefined, after: string): Buffer {
    const list = this.list!;
    this.list = undefined;
    const status = this.listStatus;
    let size = status.length + tail.length + after.length + (body === undefined ? 0 : body.length + 12);
    for (let i = 0; i < list.length; i++) size += list[i]!.length + 2;
    headBegin(size);
    headPut(status);
    for (let i = 0; i < list.length; i += 2) {
      headPut(list[i]!);
      headPut(': ');
      headPut(list[i + 1]!);
      headPut('\r\n');
    }
    headPut(tail);
    if (body !== undefined) {
      if (this.chunked) {
        headPut(body.length.toString(16));
        headPut('\r\n');
        headPutBytes(body);
        headPut('\r\n');
      } else headPutBytes(body);
    }
    if (after) headPut(after);
    return headEnd();
  }

  /** flush writes the pending head (alone: no body bytes came with it). */
  flush(): void {
    const h = this.head;
    if (h === undefined) return;
    this.head = undefined;
    if (this.sock.destroyed) return void (this.list = undefined);
    if (this.list !== undefined) queueWrite(this.sock, this.listBytes(h, undefined, ''));
    else queueLatin1(this.sock, h);
  }

  /** flushHeaders sends the head now. */
  flushHeaders(): void {
    if (!this.headersSent) this.writeHead(this.statusCode);
    this.flush();
  }

  /**
   * write sends a body chunk; false means the client is not keeping up (wait for 'drain'). Writes are batched until the
   * end of the event loop turn (write-batch.ts), so a head, its chunk frames and the body leave in one system call.
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
    let h = this.head;
    this.head = undefined;
    const small = typeof chunk !== 'string' && chunk.length <= SMALL;
    if (h !== undefined && this.list !== undefined) {
      // A list head and a small body (or its chunk frame) are one write; a larger body follows its head.
      if (small) return queueWrite(sock, this.listBytes(h, chunk, ''));
      queueWrite(sock, this.listBytes(h, undefined, ''));
      h = undefined;
    }
    if (this.chunked) {
      const size = Buffer.byteLength(chunk).toString(16);
      if (small) return queueWrite(sock, stringBytes(h, size, chunk));
      queueLatin1(sock, h === undefined ? `${size}\r\n` : `${h}${size}\r\n`);
      queueWrite(sock, typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      return queueLatin1(sock, '\r\n');
    }
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (h === undefined) return queueWrite(sock, bytes);
    // A string head and a small body are one write: both copied into the head slab.
    if (small) return queueWrite(sock, stringBytes(h, undefined, bytes));
    queueLatin1(sock, h);
    return queueWrite(sock, bytes);
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
        queueLatin1(this.sock, `${held.head}content-length: ${body.length}\r\nconnection: ${conn}\r\n\r\n`);
        queueWrite(this.sock, body);
      }
    }
    if (this.chunked && !this.sock.destroyed) {
      const h = this.head;
      this.head = undefined;
      if (h !== undefined && this.list !== undefined) queueWrite(this.sock, this.listBytes(h, undefined, '0\r\n\r\n'));
      else queueLatin1(this.sock, h === undefined ? '0\r\n\r\n' : `${h}0\r\n\r\n`);
    }
    this.flush();
    this.writableFinished = true;
    this.conn.finished(this);
    this.closed();
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
    this.closed();
  }

  /** closeWith has `target.onClose()` run as 'close' would (once('close', fn) without a closure). */
  closeWith(target: { onClose(): void }): void {
    this.closeTarget = target;
  }

  private closed(): void {
    const fn = this.closeFn;
    const target = this.closeTarget;
    this.closeFn = undefined;
    this.closeTarget = undefined;
    fn?.();
    target?.onClose();
  }
}
