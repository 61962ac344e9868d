import type { Http2ServerRequest } from 'node:http2';

/** splitAuthority splits `host[:port]` into a lower-case host without a trailing dot and its port ('' when none). */
function splitAuthority(v: string): { host: string; port: string } {
  let end = v.length;
  if (v[0] === '[') end = v.indexOf(']') + 1 || v.length;
  else {
    const c = v.lastIndexOf(':');
    if (c >= 0) end = c;
  }
  let host = v.slice(0, end).toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  return { host, port: v.slice(end + 1) };
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
  const a = splitAuthority(authority);
  const h = splitAuthority(host);
  const dflt = tls ? '443' : '80';
  if (a.host !== h.host || (a.port || dflt) !== (h.port || dflt)) return `the Host header (${JSON.stringify(host)}) names another authority than :authority (${JSON.stringify(authority)})`;
  return undefined;
}
