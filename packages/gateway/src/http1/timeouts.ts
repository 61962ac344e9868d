// Keep-alive and timeouts of an HTTP/1.1 connection: one coarse clock and one sweep a second for every connection of a
// server (no timer per request), applying headers_timeout (408), request_timeout, keepalive_timeout and the cut of a
// client that reads none of its answers (nginx's send_timeout). The base of the connection's layers: pipelining
// (pipeline.ts) and parsing (connection.ts) build on it.
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { readStop } from './llhttp.ts';
import type { ServerState } from './options.ts';
import type { H1Request } from './request.ts';
import { endAfterWrites, flushWrites, releaseWrites, writesPending } from './write-batch.ts';

/** coarseNow is a coarse clock for the connection timeouts, advanced by the sweep (they are checked once a second anyway). */
export let coarseNow = performance.now();

/** tick advances coarseNow to now and returns it. */
export function tick(): number {
  return (coarseNow = performance.now());
}

/** ConnTimeouts is the timeout state of one connection; the layers above set `cur`, `active` and `closing`. */
export class ConnTimeouts {
  readonly server: ServerState;
  readonly sock: net.Socket;
  /** cur is the request whose body is being read. */
  protected cur: H1Request | undefined;
  /** active is the request being answered. */
  protected active: H1Request | undefined;
  /** headStart is when the current message began (0: between messages). */
  headStart = 0;
  msgStart = 0;
  lastActive = coarseNow;
  /** closing stops reading requests (a response said Connection: close, or the request was bad). */
  protected closing = false;
  /** stalledSince is when the sweep first saw the client's answers backed up (0: not backed up, or it read since). */
  private stalledSince = 0;
  /** idleCloseAt is when closing this idle connection began, waiting for its last response to be written (0: not begun). */
  private idleCloseAt = 0;

  constructor(server: ServerState, sock: net.Socket) {
    this.server = server;
    this.sock = sock;
    sock.on('drain', () => (this.stalledSince = 0));
  }

  /** idle tells whether nothing is in flight on the connection. */
  get idle(): boolean {
    return this.active === undefined && this.cur === undefined && this.headStart === 0;
  }

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
    if (!this.idle) return;
    if (o.keepAliveTimeout > 0 && now - this.lastActive > o.keepAliveTimeout) return this.closeIdleSocket();
    // An idle connection keeps nothing of the write batch either (at most one release and one take a second while busy).
    releaseWrites(this.sock);
  }

  /**
   * closeIdleSocket closes a connection with nothing in flight. The last response may still wait in the turn's write
   * batch (write-batch.ts): then the socket ends once it is written instead of being cut.
   */
  protected closeIdleSocket(): void {
    flushWrites(this.sock);
    if (this.sock.writableLength === 0 && !writesPending(this.sock)) return void this.sock.destroy();
    if (this.idleCloseAt === 0) {
      this.idleCloseAt = coarseNow;
      this.sock.destroySoon();
      return;
    }
    // A client that does not read its last response either is cut one keep-alive period (or 5 s) later.
    if (coarseNow - this.idleCloseAt > (this.server.opts.keepAliveTimeout || 5000)) this.sock.destroy();
  }

  private timeout(): void {
    if (this.active) {
      this.sock.destroy();
      return;
    }
    this.stopReading();
    if (!this.sock.destroyed) endAfterWrites(this.sock, 'HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
  }

  /** stopReading stops reading requests from the connection; those read are still answered. */
  protected stopReading(): void {
    if (this.closing) return;
    this.closing = true;
    readStop(this.sock);
  }
}
