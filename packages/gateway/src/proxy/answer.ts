// The gateway's own answers — a plugin's response, an error page — sent through the location's response hooks, so that
// ids and headers the plugins add reach the client whoever answered.
import type { Readable, Transform } from 'node:stream';
import type { Plugin, PluginResponse, ResponseHead } from '../plugins/plugin.ts';
import { errorPage, publicMessage } from './error-page.ts';
import type { Exchange } from './exchange.ts';
import { headHooks, type HookFailure } from './plugin-failure.ts';
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
  if (loc?.response.length) {
    const failed = headHooks(ex, loc.response, head, false);
    if (failed) {
      if (isReadable(body)) body.destroy();
      return sendFailed(ex, failed, loc.response);
    }
  }
  const stages = loc?.responseBody.length && hasBody(ex.method, head.status) ? bodyStages(ex, head) : undefined;
  if (stages !== undefined && 'plugin' in stages) {
    if (isReadable(body)) body.destroy();
    return sendFailed(ex, stages, loc!.response);
  }
  if (stages !== undefined || isReadable(body)) return sendStream(ex, head, body, stages);
  write(ex, head, body);
}

/** sendHookFailure answers 500 for a response-head hook that threw, as `send` does for its own. */
export function sendHookFailure(ex: Exchange, failed: HookFailure): void {
  if (ex.clientGone || ex.res.headersSent) return;
  sendFailed(ex, failed, ex.loc?.response ?? []);
}

/**
 * sendFailed answers 500 for a response hook that threw: the failure is logged once, and the error page goes through the
 * other plugins' response hooks (so the request id still reaches the client), leaving out every one that threw.
 */
function sendFailed(ex: Exchange, first: HookFailure, hooks: Plugin[]): void {
  let failed: HookFailure | undefined = first;
  let left = hooks;
  let head: ResponseHead;
  let body: Buffer;
  do {
    logFailure(ex, 500, failed.detail);
    const skip = failed.plugin;
    left = left.filter((p) => p !== skip);
    ({ head, body } = errorAnswer(ex, 500));
    failed = headHooks(ex, left, head, false);
  } while (failed);
  write(ex, head, body);
}

/**
 * write sends a head and body. A head Node refuses (a plugin's invalid status or header) becomes the 500 page, through the
 * response hooks once more (the request id), and bare if the hooks make that one unsendable too.
 */
function write(ex: Exchange, head: ResponseHead, body: Buffer | undefined, attempt: 'first' | 'hooked' | 'bare' = 'first'): void {
  ex.bytesSent = body?.length ?? 0;
  ex.respHeaders = head.headers;
  try {
    ex.res.writeHead(head.status, head.headers as Record<string, string | string[]>);
  } catch (err) {
    if (ex.res.headersSent || attempt === 'bare') return void ex.res.destroy(err as Error);
    if (attempt === 'first') logFailure(ex, 500, `the response head cannot be sent: ${(err as Error).message}`);
    const page = errorAnswer(ex, 500);
    const hooks = ex.loc?.response;
    if (attempt === 'first' && hooks?.length && !headHooks(ex, hooks, page.head, false)) return write(ex, page.head, page.body, 'hooked');
    const bare = errorAnswer(ex, 500);
    return write(ex, bare.head, bare.body, 'bare');
  }
  ex.res.end(ex.method === 'HEAD' ? undefined : body);
}

/** sendStream writes an answer whose body is a stream or passes through responseBody stages, with backpressure; a client that leaves stops it. */
function sendStream(ex: Exchange, head: ResponseHead, body: Buffer | Readable | undefined, stages: Transform[] | undefined): void {
  const res = ex.res;
  ex.bytesSent = 0;
  ex.respHeaders = head.headers;
  try {
    res.writeHead(head.status, head.headers as Record<string, string | string[]>);
  } catch (err) {
    if (isReadable(body)) body.destroy();
    logFailure(ex, 500, `the response head cannot be sent: ${(err as Error).message}`);
    const page = errorAnswer(ex, 500);
    return write(ex, page.head, page.body, 'bare');
  }
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

/** errorAnswer is the error page for a status, with its head. */
function errorAnswer(ex: Exchange, status: number, extra?: Record<string, string>): { head: ResponseHead; body: Buffer } {
  const body = Buffer.from(errorPage(ex.rt.errorTemplate, status, publicMessage(status), ex.requestId));
  return { head: { status, headers: { 'content-type': 'text/html; charset=utf-8', 'content-length': String(body.length), 'cache-control': 'no-store', ...extra } }, body };
}

/** logFailure writes what went wrong behind an error answer to the process log, under the request's id. */
function logFailure(ex: Exchange, status: number, detail: string): void {
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

/**
 * sendError answers with the configured error page (or the built-in one), through the response hooks so ids still reach
 * the client. The page says only what the status means (`publicMessage`) and the request id; `detail` — upstream
 * addresses, error codes, plugin and config names — goes to the process log under that request id.
 */
export function sendError(ex: Exchange, status: number, detail: string, extra?: Record<string, string>): void {
  if (ex.clientGone) return;
  if (status !== 404) logFailure(ex, status, detail);
  if (ex.res.headersSent) {
    // The status line is out (an upstream reset or timed out mid-body): the only honest signal left to the client is a
    // broken connection, and the log says what happened, not that the client left (499).
    ex.cutStatus = status;
    ex.res.destroy(new Error(detail));
    return;
  }
  const { head, body } = errorAnswer(ex, status, extra);
  send(ex, head, body);
}
