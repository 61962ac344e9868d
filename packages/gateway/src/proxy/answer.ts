// The gateway's own answers — a plugin's response, an error page — sent through the location's response hooks, so that
// ids and headers the plugins add reach the client whoever answered.
import type { Readable, Transform } from 'node:stream';
import type { PluginResponse, ResponseHead } from '../plugins/plugin.ts';
import { errorPage, publicMessage } from './error-page.ts';
import type { Exchange } from './exchange.ts';
import { BodyPipe, bodyStages, hasBody, isReadable } from './response-body.ts';

/** answer sends a plugin's response through the response hooks. */
export function answer(ex: Exchange, r: PluginResponse): void {
  const raw = r.body;
  const headers: Record<string, string | string[] | undefined> = { ...(r.headers ?? {}) };
  if (isReadable(raw)) return send(ex, { status: r.status, headers }, raw);
  const body = raw === undefined ? undefined : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  if (body && headers['content-length'] === undefined) headers['content-length'] = String(body.length);
  send(ex, { status: r.status, headers }, body);
}

/** send writes an answer of the gateway's own (a plugin's, an error page) through the response hooks and the responseBody hooks. */
export function send(ex: Exchange, head: ResponseHead, body: Buffer | Readable | undefined): void {
  if (ex.clientGone || ex.res.headersSent) {
    if (isReadable(body)) body.destroy();
    return;
  }
  const loc = ex.loc;
  if (loc?.response.length) for (const p of loc.response) if (p.response!(ex, head) === 'stop') break;
  const stages = loc?.responseBody.length && hasBody(ex.method, head.status) ? bodyStages(ex, head) : undefined;
  if (stages !== undefined || isReadable(body)) return sendStream(ex, head, body, stages);
  ex.bytesSent = body?.length ?? 0;
  ex.respHeaders = head.headers;
  ex.res.writeHead(head.status, head.headers as Record<string, string | string[]>);
  ex.res.end(ex.method === 'HEAD' ? undefined : body);
}

/** sendStream writes an answer whose body is a stream or passes through responseBody stages, with backpressure; a client that leaves stops it. */
function sendStream(ex: Exchange, head: ResponseHead, body: Buffer | Readable | undefined, stages: Transform[] | undefined): void {
  const res = ex.res;
  ex.bytesSent = 0;
  ex.respHeaders = head.headers;
  res.writeHead(head.status, head.headers as Record<string, string | string[]>);
  if (!hasBody(ex.method, head.status)) {
    if (isReadable(body)) body.destroy();
    res.end();
    return;
  }
  const source = isReadable(body) ? body : undefined;
  const failed = (err: Error) => {
    source?.destroy();
    sendError(ex, 500, `response body failed: ${err.message}`);
  };
  const pipe = stages && new BodyPipe(ex, stages, res, () => res.end(), failed);
  // The exchange stops its controller when the client goes away; here that is the body's source and stages.
  ex.controller = {
    abort(err) {
      source?.destroy();
      pipe?.destroy(err);
    },
    pause: () => source?.pause(),
    resume: () => source?.resume(),
    reused: false,
  };
  if (source === undefined) {
    if (body !== undefined) pipe!.write(body as Buffer);
    pipe!.end();
    return;
  }
  source.on('error', (err: Error) => {
    pipe?.destroy(err);
    failed(err);
  });
  source.on('end', () => (pipe ? pipe.end() : res.end()));
  source.on('data', (chunk: Buffer) => {
    if (pipe) {
      if (!pipe.write(chunk)) {
        source.pause();
        pipe.onDrain(() => source.resume());
      }
      return;
    }
    ex.bytesSent += chunk.length;
    if (!res.write(chunk)) {
      source.pause();
      res.once('drain', () => source.resume());
    }
  });
}

/**
 * sendError answers with the configured error page (or the built-in one), through the response hooks so ids still reach
 * the client. The page says only what the status means (`publicMessage`) and the request id; `detail` — upstream
 * addresses, error codes, plugin and config names — goes to the process log under that request id.
 */
export function sendError(ex: Exchange, status: number, detail: string, extra?: Record<string, string>): void {
  if (ex.clientGone) return;
  if (status !== 404) {
    const fields = {
      status,
      request_id: ex.requestId || undefined,
      server: ex.srv.name,
      location: ex.loc?.name,
      upstream: ex.upstreamAddr || undefined,
      client: ex.clientIp,
      method: ex.method,
      uri: ex.origPath + ex.origQuery,
    };
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
