// Pipelining on an HTTP/1.1 connection: requests read ahead of their answer wait in a queue and are answered one at a
// time, in order (RFC 9112 §9.3.2). Reading stops beyond MAX_PIPELINE waiting and while the client does not read its
// answers, so what waits in memory stays bounded; after a request that closes the connection nothing more is read, and
// the requests before it are all answered.
import { readStart, readStop } from './llhttp.ts';
import { answeringBegins, answeringEnds, endAfterWrites, queueLatin1 } from './write-batch.ts';
import { H1Response } from './response.ts';
import type { H1Request } from './request.ts';
import { ConnTimeouts, coarseNow } from './timeouts.ts';
import { FreeList } from './free-list.ts';

/**
 * freeRequests and freeResponses are the worker's finished requests and responses that nothing refers to any more
 * (recycle), ~0.2 KB less garbage each per request; shared by every connection, so what they hold is bounded by
 * FREE_LIST_CAP, not by the connections open.
 */
export const freeRequests = new FreeList<H1Request>();
export const freeResponses = new FreeList<H1Response>();

// Pipelined requests beyond this many stop the reading until the earlier ones are answered.
const MAX_PIPELINE = 16;

/** PipelinedConn answers a connection's requests in order; the parsing layer (connection.ts) feeds it. */
export class PipelinedConn extends ConnTimeouts {
  /** queue holds the pipelined requests after the active one. */
  protected readonly queue: H1Request[] = [];
  /** res is the response of the active request. */
  private res: H1Response | undefined;

  /**
   * answersLast tells whether the response being written is the connection's last: it stops reading requests and none is
   * waiting behind this one. Requests pipelined before the one that closes it are still answered, each in order.
   */
  get answersLast(): boolean {
    return this.closing && this.queue.length === 0;
  }

  /** draining is set while the server closes its connections (reload, stop). */
  get draining(): boolean {
    return this.server.draining;
  }

  /** enqueue takes a request whose head was read: answered now when nothing is, else after those before it. */
  protected enqueue(req: H1Request): void {
    // The usual request finds nothing ahead of it and is answered without passing through the queue (a push then a
    // shift of its only element costs the array a new backing store each time).
    if (this.active === undefined && this.queue.length === 0) return this.answer(req);
    this.queue.push(req);
    if (this.active === undefined) this.next();
    else if (this.queue.length >= MAX_PIPELINE) readStop(this.sock);
  }

  /** next starts answering the oldest waiting request. */
  private next(): void {
    const req = this.queue.shift();
    if (req) this.answer(req);
  }

  private answer(req: H1Request): void {
    this.active = req;
    answeringBegins();
    if (this.queue.length < MAX_PIPELINE && !this.closing) readStart(this.sock);
    const spare = freeResponses.take();
    let res: H1Response;
    if (spare !== undefined) {
      spare.init(this, req, req.keepAlive);
      res = spare;
    } else res = new H1Response(this, req, req.keepAlive);
    this.res = res;
    if (req.expectContinue && !req.complete) queueLatin1(this.sock, 'HTTP/1.1 100 Continue\r\n\r\n');
    this.server.handlers.request(req, res);
  }

  /** finished runs as a response ends: the connection closes or the next request is answered. */
  finished(res: H1Response): void {
    const req = res.req;
    if (this.active !== req) return;
    this.active = undefined;
    answeringEnds();
    this.res = undefined;
    this.lastActive = coarseNow;
    if (!req.complete) {
      // The answer went out before the body was read (an error, a plugin answer): the rest is read and dropped.
      req.dumped = true;
      readStart(this.sock);
    }
    if (!res.shouldKeepAlive || this.server.draining) {
      this.closing = true;
      this.queue.length = 0;
      if (!this.sock.destroyed) endAfterWrites(this.sock);
      return;
    }
    if (this.queue.length === 0) {
      if (this.closing && !this.sock.destroyed) endAfterWrites(this.sock);
    } else if (this.sock.writableNeedDrain) {
      // A client that does not read its answers gets no more of them until it does: pipelined requests wait (and reading
      // stops at MAX_PIPELINE), so the responses waiting in memory stay bounded by the socket's buffer.
      this.sock.once('drain', () => {
        if (this.active === undefined && !this.sock.destroyed) this.next();
      });
    } else if (!this.sock.destroyed) this.next();
  }

  /**
   * recycle gives a finished response and its request to the free lists, for a later request of any connection, when
   * nothing can refer to them any more: the one who answered let go of both (H1Response.recycle), the response ended
   * with no nextTick pending, the request was read whole and its body never turned into a stream, and the connection
   * answers no more of them from the pipelining queue or the parser (a pipelined request has its own). A closing
   * connection's pair goes too: the free lists serve other connections (a per-connection spare served only its own).
   */
  recycle(res: H1Response): void {
    const req = res.req;
    if (!res.writableFinished || res.ticking || !req.reusable || this.active === req || this.res === res) return;
    if (this.cur === req || this.queue.includes(req)) return;
    req.letGo();
    res.letGo();
    freeRequests.give(req);
    freeResponses.give(res);
  }

  /** abandon drops the queue as the connection closed; a response still being written hears that its client is gone. */
  protected abandon(): void {
    const res = this.res;
    if (this.active !== undefined) answeringEnds();
    this.active = undefined;
    this.res = undefined;
    this.queue.length = 0;
    if (res && !res.writableFinished) res.gone();
  }

  /** closeIfIdle closes the connection when nothing is in flight (draining). */
  closeIfIdle(): void {
    if (this.idle && this.queue.length === 0) this.closeIdleSocket();
  }
}
