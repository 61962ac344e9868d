// The response side of an HTTP/1.1 Upgrade (WebSocket) request: after the handshake request the client socket is raw, so
// answers (a plugin's 401/403, a gateway error, an upstream that refused the upgrade) are written on it by hand and the
// socket is closed after them, and a 101 turns the socket into a tunnel to the upstream.
import { EventEmitter } from 'node:events';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { http } from '../http1/node-http.ts';
import { invalidHeaderValue, isToken } from '../http1/llhttp.ts';

// A client that does not close its side after an answer is cut off after this long.
const LINGER_MS = 5000;

/**
 * UpgradeResponse is the `Res` of an Upgrade request. It emits 'close' once: when an answer was written out, or when the
 * tunnel (or the client, before any answer) closed. `writableFinished` is set when an answer was written or the 101 went
 * out, so the access log shows that status and a client that leaves earlier is logged as 499.
 */
export class UpgradeResponse extends EventEmitter {
  statusCode = 200;
  headersSent = false;
  writableFinished = false;
  /** protocol is the client's Upgrade header value, sent upstream. */
  readonly protocol: string;
  private readonly sock: Duplex;
  /** clientHead are bytes the client sent after the request head; they go upstream once the tunnel is open. */
  private readonly clientHead: Buffer;
  private pending: string | undefined;
  private closed = false;

  constructor(sock: Duplex, clientHead: Buffer, protocol: string) {
    super();
    this.sock = sock;
    this.clientHead = clientHead;
    this.protocol = protocol;
    sock.on('error', () => sock.destroy());
    sock.once('close', this.emitClose);
  }

  private readonly emitClose = (): void => {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  };

  /** writeHead serialises the status line and headers; an answer other than 101 always closes the connection. */
  writeHead(status: number, headers?: Record<string, string | string[] | undefined>): this {
    if (this.headersSent) throw new Error('headers already sent');
    const tunnel = status === 101;
    let s = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    for (const k in headers) {
      const v = headers[k];
      if (v === undefined) continue;
      if (!isToken(k)) throw new Error(`invalid header name ${JSON.stringify(k)}`);
      const l = k.toLowerCase();
      if (!tunnel && (l === 'connection' || l === 'transfer-encoding' || l === 'upgrade' || l === 'keep-alive')) continue;
      for (const x of Array.isArray(v) ? v : [v]) {
        if (invalidHeaderValue(x)) throw new Error(`invalid value for header ${k}`);
        s += `${k}: ${x}\r\n`;
      }
    }
    // Without a Content-Length the body ends with the connection, which HTTP/1.1 allows for a response.
    if (!tunnel) s += 'connection: close\r\n';
    this.statusCode = status;
    this.headersSent = true;
    this.pending = `${s}\r\n`;
    return this;
  }

  private takeHead(): string {
    if (!this.headersSent) this.writeHead(this.statusCode);
    const h = this.pending ?? '';
    this.pending = undefined;
    return h;
  }

  /** flushHeaders sends the head now. */
  flushHeaders(): void {
    const h = this.takeHead();
    if (h && !this.sock.destroyed) this.sock.write(h, 'latin1');
  }

  /** write sends body bytes of an answer; false means the client is not keeping up (wait for 'drain'). */
  write(chunk: Buffer): boolean {
    if (this.writableFinished || this.sock.destroyed) return false;
    this.flushHeaders();
    return this.sock.write(chunk);
  }

  /** end finishes an answer and closes the connection. */
  end(chunk?: Buffer): this {
    if (this.writableFinished) return this;
    if (!this.headersSent) this.writeHead(this.statusCode, chunk ? { 'content-length': String(chunk.length) } : undefined);
    const h = this.takeHead();
    this.writableFinished = true;
    const sock = this.sock;
    if (sock.destroyed) return this;
    sock.end(chunk?.length ? Buffer.concat([Buffer.from(h, 'latin1'), chunk]) : Buffer.from(h, 'latin1'));
    sock.once('finish', () => {
      this.emitClose();
      setTimeout(() => sock.destroy(), LINGER_MS).unref();
    });
    // Read (and drop) what the client still sends, so that its closing is seen.
    sock.removeAllListeners('data');
    sock.resume();
    return this;
  }

  /** tunnel sends the 101 head (set by writeHead) and pipes the client and upstream sockets into each other. */
  tunnel(up: net.Socket, onClientBytes: (n: number) => void, onUpstreamBytes: (n: number) => void): void {
    const sock = this.sock;
    this.flushHeaders();
    this.writableFinished = true;
    if (sock.destroyed) {
      up.destroy();
      return;
    }
    if (this.clientHead.length) {
      onClientBytes(this.clientHead.length);
      up.write(this.clientHead);
    }
    up.on('error', () => sock.destroy());
    sock.on('close', () => up.destroy());
    up.on('close', () => sock.destroy());
    sock.on('data', (c: Buffer) => onClientBytes(c.length));
    up.on('data', (c: Buffer) => onUpstreamBytes(c.length));
    up.pipe(sock);
    sock.pipe(up);
  }

  /** destroy cuts the connection. */
  destroy(): void {
    this.sock.destroy();
  }
}
