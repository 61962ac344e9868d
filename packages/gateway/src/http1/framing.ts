// The rules a request head must meet before anything of it reaches an upstream, in one place for both client protocols:
// the HTTP/1.1 server applies them as it parses, the proxy to HTTP/2 requests. llhttp's strict mode refuses the other
// malformed shapes itself.

/** ALLOWED_METHODS are the methods the gateway proxies (the `Allow` of its 405 answers and of `OPTIONS *`); CONNECT and TRACE are refused. */
export const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS';

// The last transfer coding must be chunked, or the message's end is the connection's (RFC 9112 §6.1).
const CHUNKED_LAST = /(^|,)\s*chunked\s*$/i;

/**
 * framingError tells why a request's framing headers make it unsafe to forward — both Content-Length and
 * Transfer-Encoding, or a Transfer-Encoding whose last coding is not chunked (request smuggling shapes, RFC 9112 §6.1,
 * §6.3) — or returns undefined. `te` is the Transfer-Encoding (repeated values joined), `hasLength` whether a
 * Content-Length came.
 */
export function framingError(te: string | undefined, hasLength: boolean): string | undefined {
  if (te === undefined) return undefined;
  if (hasLength) return 'both Content-Length and Transfer-Encoding';
  if (!CHUNKED_LAST.test(te)) return 'Transfer-Encoding must end with chunked';
  return undefined;
}

/** announcesBody tells whether framing headers announce a body: a Transfer-Encoding, or a Content-Length other than 0. */
export function announcesBody(te: string | undefined, cl: string | undefined): boolean {
  return te !== undefined || (cl !== undefined && cl !== '0');
}
