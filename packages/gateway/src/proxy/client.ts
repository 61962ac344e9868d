// The client side of an exchange behind one shape. What the proxy needs to know of a request's protocol — HTTP/1.1 (the
// gateway's own server), HTTP/2 (node:http2's compatibility API) or an HTTP/1.1 Upgrade (WebSocket) — is asked of its
// ClientAdapter, one constant object per protocol chosen once per request (no allocation), instead of being tested at
// each step of the pipeline.
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Readable } from 'node:stream';
import { announcesBody, framingError } from '../http1/framing.ts';
import type { H1Request } from '../http1/request.ts';
import { h2AuthorityError } from './h2.ts';
import type { UpgradeResponse } from './upgrade.ts';

/** Req is a client request: the gateway's own HTTP/1.1 request, or node:http2's compatibility request. */
export type Req = H1Request | Http2ServerRequest;

/** Res is the subset of a response the proxy uses; H1Response, UpgradeResponse and Http2ServerResponse all have it. */
export interface Res {
  statusCode: number;
  readonly headersSent: boolean;
  readonly writableFinished: boolean;
  writeHead(status: number, headers?: Record<string, string | string[]> | string[]): unknown;
  write(chunk: Buffer): boolean;
  end(chunk?: Buffer): unknown;
  destroy(err?: Error): unknown;
  flushHeaders(): void;
  once(ev: 'close' | 'drain', fn: () => void): unknown;
}

/** ClientAdapter is what the proxy asks of a client request's protocol. */
export interface ClientAdapter {
  /**
   * refuse tells why a request head cannot be proxied (the framing and Host rules HTTP/1.1 applies as it parses), or
   * returns undefined; null when nobody is left to answer (an HTTP/2 stream reset in the same read as its HEADERS).
   */
  refuse(req: Req, tls: boolean): string | null | undefined;
  /** authority is the request's Host as received (HTTP/2: `:authority`, else `Host`), '' without one. */
  authority(req: Req): string;
  /** connection is the request's Connection header. */
  connection(req: Req): string | string[] | undefined;
  /** hasBody tells whether a request body follows the head (an Upgrade's bytes belong to the new protocol, not a body). */
  hasBody(req: Req): boolean;
  /** body is the request body as a stream. */
  body(req: Req): Readable;
  /** retarget takes an absolute-form target (HTTP/1.1 only): `path` becomes the target, `authority` the Host. */
  retarget: ((req: Req, path: string, authority: string) => void) | undefined;
  /** protocol is the Upgrade protocol sent upstream; undefined for other requests. */
  protocol(res: Res): string | undefined;
  /** peer is the client connection the request came on, the same object for each of its requests (HTTP/2: the session). */
  peer(req: Req): object | undefined;
  /** finished tells whether the gateway ended the response, rather than the client going away. */
  finished(res: Res): boolean;
  /** badRequest answers 400 and, on HTTP/1.1, closes the connection, so nothing after a malformed message is read as a new request. */
  badRequest(res: Res, message: string): void;
  /**
   * stalled arms the reset of a response whose client has taken none of it for `ms` (nginx's send_timeout) where the
   * server does not do it itself (HTTP/2 streams; the HTTP/1.1 server cuts such clients): clear the timer on 'drain'.
   */
  stalled(res: Res, ms: number): NodeJS.Timeout | undefined;
  /** authorityAsHost says the authority is sent upstream as Host, in place of any Host header (HTTP/2). */
  readonly authorityAsHost: boolean;
  /** parsedHeaders says llhttp read the header values (strict), so the upstream pool need not check them again. */
  readonly parsedHeaders: boolean;
  /** passHead says the response takes an upstream head as a flat list, without a headers object (H1Response). */
  readonly passHead: boolean;
}

/** H2_CANCEL is the HTTP/2 error code CANCEL (RFC 9113 §7). */
const H2_CANCEL = 0x8;

function badRequestBody(message: string): Buffer {
  return Buffer.from(`400 Bad Request: ${message}\n`);
}

/** H1_CLIENT is the adapter of requests read by the gateway's HTTP/1.1 server. */
export const H1_CLIENT: ClientAdapter = {
  refuse: () => undefined,
  authority: (req) => (req as H1Request).hostHeader ?? '',
  connection: (req) => (req as H1Request).connectionHeader,
  hasBody: (req) => (req as H1Request).hasBody,
  body: (req) => (req as H1Request).stream(),
  retarget(req, path, authority) {
    const r = req as H1Request;
    r.url = path;
    r.hostHeader = authority;
    const raw = r.rawHeaders;
    let found = false;
    for (let i = 0; i < raw.length; i += 2) {
      if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') {
        raw[i + 1] = authority;
        found = true;
      }
    }
    if (!found) raw.push('Host', authority);
  },
  protocol: () => undefined,
  peer: (req) => req.socket,
  finished: (res) => res.writableFinished,
  badRequest(res, message) {
    const body = badRequestBody(message);
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length), connection: 'close' });
    res.end(body);
  },
  stalled: () => undefined,
  authorityAsHost: false,
  parsedHeaders: true,
  passHead: true,
};

/** UPGRADE_CLIENT is the adapter of HTTP/1.1 Upgrade (WebSocket) requests, answered through an UpgradeResponse. */
export const UPGRADE_CLIENT: ClientAdapter = {
  ...H1_CLIENT,
  hasBody: () => false,
  protocol: (res) => (res as unknown as UpgradeResponse).protocol,
  passHead: false,
};

/** H2_CLIENT is the adapter of requests on node:http2's compatibility API. */
export const H2_CLIENT: ClientAdapter = {
  refuse(req, tls) {
    const r = req as Http2ServerRequest;
    const h = r.headers;
    const te = h['transfer-encoding'];
    const framing = framingError(te === undefined ? undefined : String(te), h['content-length'] !== undefined);
    if (framing !== undefined) return framing;
    // A stream its client reset in the same read as its HEADERS arrives closed (rapid reset): nobody is left to answer
    // and its 'close' has passed, so an upstream request started for it would run to the end unwatched.
    if (r.stream.destroyed) return null;
    // Routing and forwarding both use the authority; a request whose Host says otherwise is refused, not guessed at.
    return h2AuthorityError(r, tls);
  },
  authority(req) {
    const h = req.headers;
    return (h[':authority'] as string | undefined) ?? h.host ?? '';
  },
  connection: (req) => req.headers.connection,
  hasBody(req) {
    const h = req.headers;
    const te = h['transfer-encoding'];
    const cl = h['content-length'];
    if (te !== undefined || cl !== undefined) return announcesBody(te, cl);
    return !(req as Http2ServerRequest).stream.endAfterHeaders;
  },
  body: (req) => req as Http2ServerRequest,
  retarget: undefined,
  protocol: () => undefined,
  peer: (req) => (req as Http2ServerRequest).stream?.session,
  // node:http2's compatibility response calls itself finished when its stream closes, a client's RST_STREAM included;
  // only its writableEnded tells that the gateway ended it.
  finished: (res) => res.writableFinished && (res as unknown as Http2ServerResponse).writableEnded,
  badRequest(res, message) {
    const body = badRequestBody(message);
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(body.length) });
    res.end(body);
  },
  stalled(res, ms) {
    // destroy() would reset with NO_ERROR, which a client that is not reading never sees.
    const t = setTimeout(() => (res as unknown as Http2ServerResponse).stream.close(H2_CANCEL), ms);
    t.unref();
    return t;
  },
  authorityAsHost: true,
  parsedHeaders: false,
  passHead: false,
};

/** clientOf picks the adapter of a request that is not an Upgrade. */
export function clientOf(req: Req): ClientAdapter {
  return req.httpVersion === '2.0' ? H2_CLIENT : H1_CLIENT;
}
