import type { Http2ServerRequest, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import { normalizeHost } from '../router/normalize.ts';

/** authorityParts splits `host[:port]` into its host as routing sees it (undefined when invalid) and its port ('' when none). */
function authorityParts(v: string): { host: string | undefined; port: string } {
  const colon = v.indexOf(':', v.lastIndexOf(']') + 1);
  return { host: normalizeHost(v), port: colon < 0 ? '' : v.slice(colon + 1) };
}

/**
 * h2AuthorityError tells why an HTTP/2 request's authority cannot be used, or returns undefined when it can: a `Host`
 * header that names another entity than `:authority` makes the request malformed (RFC 9113 §8.3.1), as do several
 * `Host` headers, userinfo in `:authority`, or no authority at all. The default port of the scheme is the same entity.
 */
export function h2AuthorityError(req: Http2ServerRequest, tls: boolean): string | undefined {
  const authority = req.headers[':authority'];
  const raw = req.rawHeaders;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length !== 4 || raw[i]!.toLowerCase() !== 'host') continue;
    if (host !== undefined) return 'more than one Host header';
    host = raw[i + 1]!;
  }
  if (authority === undefined) return host === undefined ? 'no :authority and no Host header' : undefined;
  if (authority.includes('@')) return ':authority must not carry userinfo';
  if (host === undefined) return undefined;
  const a = authorityParts(authority);
  const h = authorityParts(host);
  if (a.host === undefined) return ':authority is not a valid host[:port]';
  if (h.host === undefined) return 'the Host header is not a valid host[:port]';
  const dflt = tls ? '443' : '80';
  if (a.host !== h.host || (a.port || dflt) !== (h.port || dflt))
    return `the Host header (${JSON.stringify(host)}) names another authority than :authority (${JSON.stringify(authority)})`;
  return undefined;
}

/** H2Limits are a listener's bounds for its HTTP/2 sessions, read when they are needed so that a reload applies to open sessions. */
export interface H2Limits {
  /** maxStreams is `h2_max_concurrent_streams`. */
  maxStreams: number;
  /** headersTimeout is how long a new session may take to complete its first request head (ms, 0: no limit). */
  headersTimeout: number;
  /** keepAliveTimeout is how long a session may stay without an open stream (ms, 0: no limit). */
  keepAliveTimeout: number;
}

/** RESET_WINDOW_MS is the window in which a session's client may reset at most twice `maxStreams` streams. */
const RESET_WINDOW_MS = 10_000;
/** ENHANCE_YOUR_CALM is the HTTP/2 error code (RFC 9113 §7) sent to a client that resets streams too often. */
const ENHANCE_YOUR_CALM = 0x0b;

/**
 * guardSession bounds one HTTP/2 session: it is closed with GOAWAY when it stays without an open stream for
 * `keepAliveTimeout` (`headersTimeout` before its first request), and a client that resets more than twice `maxStreams`
 * streams within 10 s before their response ended (HTTP/2 rapid reset, CVE-2023-44487) is sent GOAWAY
 * ENHANCE_YOUR_CALM and cut. The stream limit itself is the server's SETTINGS_MAX_CONCURRENT_STREAMS, enforced by nghttp2.
 */
export function guardSession(sess: ServerHttp2Session, limits: () => H2Limits, onAbuse: (resets: number) => void): void {
  const first = limits();
  let open = 0;
  let resets = 0;
  let windowStart = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (ms: number) => {
    if (ms <= 0) return;
    // sess.close() sends GOAWAY and ends the session once its streams are done; with none open that is at once.
    timer = setTimeout(() => open === 0 && !sess.closed && sess.close(), ms);
    timer.unref();
  };
  arm(first.headersTimeout || first.keepAliveTimeout);
  const reset = () => {
    const now = Date.now();
    if (now - windowStart > RESET_WINDOW_MS) {
      windowStart = now;
      resets = 0;
    }
    if (++resets > 2 * limits().maxStreams && !sess.destroyed) {
      onAbuse(resets);
      // Without an error, destroy() sends GOAWAY NO_ERROR whatever the code.
      sess.destroy(Object.assign(new Error('the client reset too many streams'), { code: 'GW_H2_RAPID_RESET' }), ENHANCE_YOUR_CALM);
    }
  };
  sess.on('stream', (stream: ServerHttp2Stream) => {
    // A stream reset in the same read as its HEADERS arrives destroyed; the others say 'aborted' when the client resets
    // them before their response is complete.
    if (stream.destroyed) return reset();
    open++;
    clearTimeout(timer);
    stream.once('aborted', reset);
    stream.once('close', () => {
      if (--open === 0 && !sess.closed) arm(limits().keepAliveTimeout);
    });
  });
  sess.once('close', () => clearTimeout(timer));
}
