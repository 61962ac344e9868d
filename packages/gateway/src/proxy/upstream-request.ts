// The upstream request built from the client's: the location's rewrite, hop-by-hop headers (and those the Connection
// header names) dropped, X-Forwarded-*, Via, the location's header rules, then the proxyUpstream hooks; the body step
// (request-body.ts) follows.
import type { UpstreamRequest } from '../plugins/plugin.ts';
import { HOP_BY_HOP, HeaderList, connectionTokens, lengthTable } from '../http1/headers.ts';
import { normalizeRewritten } from '../router/normalize.ts';
import { sendError } from './answer.ts';
import type { Exchange } from './exchange.ts';
import { runHooks } from './hooks.ts';
import { lateMark } from './late-headers.ts';
import { withBody } from './request-body.ts';

const REQ_SPECIAL_LENGTH = lengthTable([...HOP_BY_HOP, 'expect', 'x-forwarded-for', 'via', 'x-forwarded-proto', 'x-forwarded-host']);

/** prepare builds the upstream request: rewrite, hop-by-hop filtering, X-Forwarded-*, Via and the location's header rules. */
export function prepareUpstream(ex: Exchange): void {
  const loc = ex.loc!;
  const req = ex.req;
  if (!ex.target) return sendError(ex, 503, `location "${loc.name}" has no upstream`);
  const raw = req.rawHeaders;
  // The exchange's own list, kept with the exchange from one request to the next it serves (Exchange.take): it is
  // written over from its start and cut to length, so nothing of the last request's headers is left in it.
  const out = ex.headerBuf;
  let n = 0;
  const client = ex.client;
  const authorityAsHost = client.authorityAsHost;
  const connHeader = client.connection(req);
  const conn = connHeader === undefined ? undefined : connectionTokens(connHeader);
  let xff: string | undefined;
  let via: string | undefined;
  const xfwd = loc.xfwd;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.charCodeAt(0) === 58 /* : */) continue;
    // An HTTP/2 request's Host is sent as its authority (below), the name routing used.
    if (authorityAsHost && name.length === 4 && name.toLowerCase() === 'host') continue;
    // Only names as long as one the loop looks for are lower-cased (most are not).
    if (conn === undefined && REQ_SPECIAL_LENGTH[name.length] !== 1) {
      out[n++] = name;
      out[n++] = raw[i + 1]!;
      continue;
    }
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower === 'expect' || (conn !== undefined && conn.has(lower))) continue;
    if (xfwd) {
      if (lower === 'x-forwarded-for') {
        xff = xff === undefined ? raw[i + 1] : `${xff}, ${raw[i + 1]}`;
        continue;
      }
      if (lower === 'via') {
        via = via === undefined ? raw[i + 1] : `${via}, ${raw[i + 1]}`;
        continue;
      }
      if (lower === 'x-forwarded-proto' || lower === 'x-forwarded-host') continue;
    }
    out[n++] = name;
    out[n++] = raw[i + 1]!;
  }
  const authority = client.authority(req);
  if (authorityAsHost) {
    out[n++] = 'host';
    out[n++] = authority;
  }
  if (xfwd) {
    // A forwarded header the location's rules write replaces the default (rather than adding a second value).
    const own = loc.xfwdOwn;
    if (own === undefined || !own.has('x-forwarded-for')) {
      out[n++] = 'x-forwarded-for';
      out[n++] = xff === undefined ? ex.remoteAddr : `${xff}, ${ex.remoteAddr}`;
    }
    if (own === undefined || !own.has('x-forwarded-proto')) {
      out[n++] = 'x-forwarded-proto';
      out[n++] = ex.scheme;
    }
    if (own === undefined || !own.has('x-forwarded-host')) {
      out[n++] = 'x-forwarded-host';
      out[n++] = authority;
    }
    if (own === undefined || !own.has('via')) {
      out[n++] = 'via';
      out[n++] = via === undefined ? ex.rt.via(req.httpVersion) : `${via}, ${ex.rt.via(req.httpVersion)}`;
    }
  }
  // Cut, not emptied: length 0 would drop the array's storage, which the next request of the connection reuses.
  out.length = n;
  const list = loc.headerRules ? new HeaderList(out) : undefined;
  if (list) {
    for (const n of loc.reqRemove) list.remove(n);
    for (const l of loc.reqSet) list.set(l.name, l.late ? lateMark(loc, l) : l.render ? l.render(ex) : l.value);
    for (const l of loc.reqAdd) list.add(l.name, l.late ? lateMark(loc, l) : l.render ? l.render(ex) : l.value);
  }
  ex.upstreamHeaders = out;
  ex.upstreamMethod = ex.method;
  let upstreamPath = ex.path;
  if (loc.rewrite) {
    const normal = normalizeRewritten(loc.rewrite(ex.path), ex.srv.mergeSlashes);
    if (typeof normal !== 'string') return sendError(ex, 400, normal.refused);
    upstreamPath = normal;
  }
  ex.upstreamPath = upstreamPath + ex.query;
  if (loc.proxyUpstream.length) {
    const up: UpstreamRequest = { method: ex.method, path: ex.upstreamPath, headers: list ?? new HeaderList(out) };
    runHooks(
      ex,
      loc.proxyUpstream,
      0,
      'proxyUpstream',
      (p) => p.proxyUpstream!(ex, up),
      () => {
        ex.upstreamMethod = up.method;
        ex.upstreamPath = up.path;
        ex.upstreamHeaders = up.headers.raw;
        withBody(ex);
      },
    );
  } else withBody(ex);
}
