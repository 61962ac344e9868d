// The client's response head from the upstream's: hop-by-hop headers (and those its Connection header names) and
// headers_remove dropped, Via added; then, unless the head passes through as a list, the location's response header
// rules and the upstreamResponse and response hooks.
import type { ResponseHead } from '../plugins/plugin.ts';
import { HOP_BY_HOP, connectionTokens, hopByHopName, lengthTable } from '../http1/headers.ts';
import type { Exchange } from './exchange.ts';
import { headHooks, type HookFailure } from './plugin-failure.ts';

const HOP_LENGTH = lengthTable(HOP_BY_HOP);

/**
 * responseList passes an upstream head to an HTTP/1.1 client as a flat list, for locations with no response rules or
 * hooks: hop-by-hop headers (and those its Connection header names) and `headers_remove` are dropped, Via is added.
 */
export function responseList(ex: Exchange, raw: string[]): string[] {
  const loc = ex.loc!;
  const remove = loc.resRemove;
  // The list is the parser's, handed over for this response only: it is filtered in place rather than copied.
  let w = 0;
  let conn: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (HOP_LENGTH[name.length] === 1) {
      const hop = hopByHopName(name);
      if (hop !== undefined) {
        if (hop === 'connection') conn = conn === undefined ? raw[i + 1] : `${conn}, ${raw[i + 1]}`;
        continue;
      }
    }
    if (remove !== undefined && remove.has(name.toLowerCase())) continue;
    if (w !== i) {
      raw[w] = name;
      raw[w + 1] = raw[i + 1]!;
    }
    w += 2;
  }
  raw.length = w;
  const tokens = connectionTokens(conn);
  if (tokens !== undefined) {
    w = 0;
    for (let i = 0; i < raw.length; i += 2) {
      if (tokens.has(raw[i]!.toLowerCase())) continue;
      raw[w++] = raw[i]!;
      raw[w++] = raw[i + 1]!;
    }
    raw.length = w;
  }
  if (loc.xfwd) raw.push('via', ex.rt.via(ex.req.httpVersion));
  return raw;
}

/**
 * upstreamHead turns an upstream response head into the client's: hop-by-hop removal, Via, the location's header rules,
 * then the upstreamResponse and response hooks; a HookFailure says which hook threw (the caller answers 500 instead).
 */
export function upstreamHead(ex: Exchange, status: number, headers: Record<string, string | string[]>): ResponseHead | HookFailure {
  const loc = ex.loc!;
  const conn = headers.connection === undefined ? undefined : connectionTokens(headers.connection);
  const out: Record<string, string | string[] | undefined> = {};
  for (const k in headers) {
    if (HOP_BY_HOP.has(k) || (conn !== undefined && conn.has(k)) || (loc.resRemove !== undefined && loc.resRemove.has(k))) continue;
    out[k] = headers[k];
  }
  if (loc.xfwd && !loc.resOwnVia) {
    const v = ex.rt.via(ex.req.httpVersion);
    const prev = out.via;
    out.via = prev === undefined ? v : `${Array.isArray(prev) ? prev.join(', ') : prev}, ${v}`;
  }
  for (const l of loc.resSet) out[l.lower] = l.render ? l.render(ex) : l.value;
  for (const l of loc.resAdd) {
    const prev = out[l.lower];
    const value = l.render ? l.render(ex) : l.value;
    out[l.lower] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  const head: ResponseHead = { status, headers: out };
  const failed =
    (loc.upstreamResponse.length ? headHooks(ex, loc.upstreamResponse, head, true) : undefined) ?? (loc.response.length ? headHooks(ex, loc.response, head, false) : undefined);
  return failed ?? head;
}
