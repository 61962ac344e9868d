// The upstream exchange: forward picks a server (balancer, breaker) and dispatches the request to its pool, and
// ProxyHandler writes the upstream response straight into the client response with backpressure both ways — the head
// as a list when it passes through, else through the rules and hooks (response-head.ts) or held whole
// (response-buffer.ts) — or, when the attempt fails, retries it on another server (retry.ts) or answers the error.
import type { Socket } from 'node:net';
import type { Transform } from 'node:stream';
import type { ResponseHead } from '../plugins/plugin.ts';
import { performance } from 'node:perf_hooks';
import type { DispatchController, DispatchHandler, UpstreamError } from '../upstream/pool.ts';
import type { Upstream, UpstreamServer } from '../upstream/upstream.ts';
import type { H1Response } from '../http1/response.ts';
import { headerObject } from '../http1/headers.ts';
import { sendError, sendHookFailure } from './answer.ts';
import type { Exchange } from './exchange.ts';
import { fillLate } from './late-headers.ts';
import { ResponseBuffer } from './response-buffer.ts';
import { BodyPipe, bodyStages, hasBody, type BodySink } from './response-body.ts';
import { responseList, upstreamHead } from './response-head.ts';
import { isClientFault, isFailureStatus, isTimeout, retryable } from './retry.ts';
import type { UpgradeResponse } from './upgrade.ts';

/** forward picks a server and dispatches the request to its pool. */
export function forward(ex: Exchange): void {
  if (ex.clientGone) return;
  const up = ex.target!;
  const s = up.pick(ex, ex.lastServer, ex);
  if (!s) return sendError(ex, 503, `no available server in upstream "${up.name}"`);
  ex.attempts++;
  ex.lastServer = s;
  ex.upstreamAddr = s.key;
  if (ex.loc!.reqLate) fillLate(ex);
  s.active++;
  s.requests++;
  // One handler per exchange: the last attempt's, once it is done, takes the next one.
  const last = ex.handler as ProxyHandler | undefined;
  const h = last !== undefined && last.done ? last.renew(up, s) : new ProxyHandler(ex, up, s);
  ex.handler = h;
  ex.attemptOpen = true;
  ex.controller = undefined;
  // Values read by llhttp and from the validated config need no second check; plugins may have set anything.
  ex.headersChecked = ex.client.parsedHeaders && ex.loc!.proxyUpstream.length === 0;
  const c = s.pool.dispatch(ex, h);
  // A request still waiting for a connection (max_connections) or connecting has not started; a client that leaves must
  // reach it there too, or it would hold its place in the queue (and a breaker probe) until a connection frees.
  if (ex.controller === undefined && !h.done) ex.controller = c;
}

/** retriesOf is how often a failed attempt is retried: the location's, or for an upstream a hook chose without `max_retries` set, that upstream's `retries`. */
function retriesOf(ex: Exchange): number {
  const loc = ex.loc!;
  const up = ex.target!;
  return up === loc.upstream || loc.config.max_retries !== undefined ? loc.retries : up.config.retries;
}

// What a handler in the free list (with its exchange) refers to instead of its last attempt's upstream and server: they
// belong to a runtime that a reload may replace (never read: renew sets the next ones).
const NO_UPSTREAM = Object.freeze({}) as unknown as Upstream;
const NO_SERVER = Object.freeze({}) as unknown as UpstreamServer;

/** ProxyHandler receives the upstream response from the pool and writes it straight into the client response, with backpressure both ways. */
class ProxyHandler implements DispatchHandler {
  private readonly ex: Exchange;
  private up!: Upstream;
  private s!: UpstreamServer;
  /** probe is the breaker ticket this attempt holds; finish() hands it back on every way the exchange ends. */
  private probe!: number;
  private tSend!: number;
  /** done is set once the exchange ended (finish ran). */
  done!: boolean;
  /** started is set once the pool began writing the request to a connection; until then nothing of it (body included) left. */
  private started!: boolean;
  /** buffered holds the response of a buffer_response location until it is complete. */
  private buffered!: ResponseBuffer | undefined;
  /** pipe carries the body through the location's responseBody stages (compression, cache); undefined without them. */
  private pipe!: BodyPipe | undefined;

  constructor(ex: Exchange, up: Upstream, s: UpstreamServer) {
    this.ex = ex;
    this.renew(up, s);
  }

  /**
   * renew readies the handler for another attempt of its exchange (a retry, or the next request of a reused exchange),
   * only once it is done. Safe because done is set only together with the end of its pool Dispatch (finish runs in
   * onResponseEnd, onResponseError, onRequestUpgrade, or right before an abort), after which the pool calls the handler
   * no more (pool.test: nothing after the end, onRead included), and because what the handler leaves behind (drain and
   * body-stage callbacks) holds the old Dispatch as its controller, which ignores calls once done.
   */
  renew(up: Upstream, s: UpstreamServer): this {
    this.up = up;
    this.s = s;
    this.probe = this.ex.probe;
    this.tSend = performance.now();
    this.done = false;
    this.started = false;
    this.buffered = undefined;
    this.pipe = undefined;
    return this;
  }

  /** letGo drops the upstream and server of the last attempt as the exchange goes to the free list (renew sets the next). */
  letGo(): void {
    this.up = NO_UPSTREAM;
    this.s = NO_SERVER;
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
    if (loc.passResponse && ex.client.passHead) {
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
    const shaped = upstreamHead(ex, status, headerObject(raw));
    const made = 'plugin' in shaped ? shaped : loc.responseBody.length && !ex.clientGone && hasBody(ex.method, status) ? bodyStages(ex, shaped) : undefined;
    if (made !== undefined && 'plugin' in made) {
      // A hook's failure says nothing about the server: the upstream exchange ends without a verdict.
      this.finish(undefined);
      controller.abort(Object.assign(new Error('a plugin failed on the response head'), { code: 'GW_ANSWERED' }));
      return sendHookFailure(ex, made);
    }
    const stages = made;
    const head = shaped as ResponseHead;
    if (loc.bufferResponse) {
      const buffered = (this.buffered = new ResponseBuffer(head));
      if (stages) this.pipe = this.bodyPipe(controller, stages, buffered.sink(ex, controller), () => buffered.send(ex));
      return;
    }
    if (ex.clientGone) return;
    if (stages) this.pipe = this.bodyPipe(controller, stages, ex.res, () => ex.res.end());
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
    if ('plugin' in head) {
      upSocket.destroy();
      return sendHookFailure(ex, head);
    }
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
    res.tunnel(
      upSocket,
      (n) => (ex.payloadSize += n),
      (n) => (ex.bytesSent += n),
    );
  }

  onRead(): void {
    // The pool calls no handler whose exchange ended (pool.ts, onExecute); this stays as a second guard.
    if (this.done) return;
    const res = this.ex.res as H1Response;
    if (res.flushByCaller && res.headersSent) res.flushHeaders();
  }

  /** bodyPipe carries the body through its stages into `sink`; a stage that fails ends the exchange as an upstream failure would. */
  private bodyPipe(controller: DispatchController, stages: Transform[], sink: BodySink, done: () => void): BodyPipe {
    return new BodyPipe(this.ex, stages, sink, done, (err) => controller.abort(Object.assign(new Error(`response body stage failed: ${err.message}`), { code: 'GW_BODY_STAGE' })));
  }

  onResponseData(controller: DispatchController, chunk: Buffer): void {
    const ex = this.ex;
    const pipe = this.pipe;
    if (pipe !== undefined) {
      if (!pipe.write(chunk)) {
        controller.pause();
        pipe.onDrain(() => controller.resume());
      }
      return;
    }
    if (this.buffered) {
      if (!this.buffered.add(chunk, ex.loc!.bufferMax)) {
        this.buffered = undefined;
        controller.abort(Object.assign(new Error('response larger than buffer_max_size'), { code: 'GW_RESPONSE_TOO_LARGE' }));
      }
      return;
    }
    ex.bytesSent += chunk.length;
    if (!ex.res.write(chunk)) {
      controller.pause();
      // The HTTP/1.1 server cuts a client that reads nothing for keepalive_timeout; an HTTP/2 stream is reset instead,
      // so that its upstream request ends too (nginx's send_timeout).
      const stall = ex.client.stalled(ex.res, ex.srv.config.keepalive_timeout || 60_000);
      ex.res.once('drain', () => {
        clearTimeout(stall);
        controller.resume();
      });
    }
  }

  onResponseEnd(): void {
    const ex = this.ex;
    this.finish(!isFailureStatus(ex.upstreamStatus));
    if (this.pipe) return this.pipe.end();
    if (this.buffered) return this.buffered.send(ex);
    ex.res.end();
  }

  onResponseError(_controller: DispatchController, err: UpstreamError): void {
    const ex = this.ex;
    const code = err.code ?? '';
    // The stages must not take a cut body for a whole one (a cache would keep it).
    this.pipe?.destroy(err);
    // A client that left or sent a bad or oversized body says nothing about the server: neither health nor the breaker hear of it.
    this.finish(ex.clientGone || isClientFault(code) ? undefined : false);
    if (ex.clientGone || code === 'GW_ANSWERED') return;
    if (ex.upstreamStatus === 0 && ex.attempts <= retriesOf(ex) && retryable(code, this.started, ex.upstreamMethod, ex.body === null || Buffer.isBuffer(ex.body))) {
      ex.upstreamAddr = '';
      forward(ex);
      return;
    }
    if (code === 'GW_BODY_STAGE') return sendError(ex, 502, err.message);
    if (code === 'GW_RESPONSE_TOO_LARGE') return sendError(ex, 502, 'upstream response larger than buffer_max_size');
    if (code === 'GW_BAD_REQUEST_BODY') return sendError(ex, 400, err.message);
    if (code === 'GW_BODY_TOO_LARGE') return sendError(ex, 413, err.message);
    if (code === 'GW_REQUEST_BODY_FAILED') return sendError(ex, 400, err.message);
    if (code === 'GW_BAD_HEADER') return sendError(ex, 500, err.message);
    if (isTimeout(code)) return sendError(ex, 504, `upstream ${this.s.key} timed out (${code})`);
    sendError(ex, 502, `upstream ${this.s.key} failed: ${code || err.message}`);
  }

  /** finish ends the exchange's hold on the server and reports success or failure to its health and breaker (undefined: neither). */
  private finish(ok: boolean | undefined): void {
    if (this.done) return;
    this.done = true;
    this.ex.attemptOpen = false;
    this.s.active--;
    if (ok !== undefined) this.up.report(this.s, ok, this.probe);
    else if (this.probe > 0) this.up.release(this.s, this.probe);
  }
}
