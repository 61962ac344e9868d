import type { IncomingHttpHeaders } from 'node:http';
import { normalizePath } from './normalize.ts';
import { parseHeaderLine } from '../http1/headers.ts';

/** RouteSpec is what the router needs of one location: its match criteria once read (see parseRoute) and its payload. */
export interface RouteSpec<T> extends RouteMatch {
  /** name identifies the route in errors and tests. */
  name: string;
  /** priority, when set, outranks everything else. */
  priority?: number;
  /** data is returned on a match. */
  data: T;
}

/** ValueMatch is one `headers` or `query` condition once read: the name must be present, with `exact` as its value or a value matching the `regex` source. */
export interface ValueMatch {
  /** name is the header name (lower-case) or query parameter name. */
  name: string;
  /** exact is the value required. */
  exact?: string;
  /** regex is the source of the pattern the value must match. */
  regex?: string;
}

/** HostMatch is one `host` pattern once read. */
export interface HostMatch {
  /** kind is how the host matches: the whole host, a `*.` suffix, or a regex (case-insensitive). */
  kind: 'exact' | 'wildcard' | 'regex';
  /** value is the lower-case host or `*.suffix`, or the regex source as written (without `~`). */
  value: string;
}

/** RouteText is a location's match criteria as written in the config. */
export interface RouteText {
  /** host is the comma-separated host patterns (`a.com`, `*.a.com`, `~regex`), empty for any host. */
  host?: string;
  /** path is `=/exact`, `/prefix`, `~regex` or empty for any path (see parsePathMatch). */
  path: string;
  /** headers are `Name:value`, `Name:~regex` or `Name` matches. */
  headers: string[];
  /** query are `name=value`, `name=~regex` or `name` matches. */
  query: string[];
  /** weight is pingap's match weight, replacing the one computed from path and host (pingapWeight). */
  weight?: number;
}

/** RouteMatch is a location's match criteria once read: what the config validator hands the router, so the router parses nothing. */
export interface RouteMatch {
  /** host are the host patterns; empty matches any host. */
  host: HostMatch[];
  /** path is the path match. */
  path: PathMatch;
  /** headers are the header conditions. */
  headers: ValueMatch[];
  /** query are the query parameter conditions. */
  query: ValueMatch[];
  /** weight is pingap's match weight: the configured one, else computed from `path` and `host` as written. */
  weight: number;
}

/** RouteIssue is why one match criterion cannot be read: the field (with the list index for `headers` and `query`), the reason and how to write it. */
export interface RouteIssue {
  /** field is `host`, `path`, `headers[i]` or `query[i]`. */
  field: string;
  /** message says what is wrong. */
  message: string;
  /** hint says how to write it. */
  hint?: string;
}

function regexError(source: string, flags = ''): string | undefined {
  try {
    new RegExp(source, flags);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * parseRoute reads a location's match criteria as written; the issues say what cannot be read (the match then leaves
 * those criteria out, and is only usable when there are none). The config validator calls it once, and the router takes
 * its result, so `gateway -t` and the running gateway read a location the same way.
 */
export function parseRoute(text: RouteText): { match: RouteMatch; issues: RouteIssue[] } {
  const issues: RouteIssue[] = [];
  let path = parsePathMatch(text.path);
  if (typeof path === 'string') {
    issues.push({ field: 'path', message: path, hint: 'write "/prefix", "=/exact" or "~regex"' });
    path = { kind: 'any', value: '' };
  }
  const host: HostMatch[] = [];
  for (const h of (text.host ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (h.startsWith('~')) {
      // The source is kept as written: lower-casing it would change escapes such as \D (non-digit) into \d (digit).
      const err = regexError(h.slice(1), 'i');
      if (err) issues.push({ field: 'host', message: `invalid regex "${h}": ${err}` });
      else host.push({ kind: 'regex', value: h.slice(1) });
    } else if (h.includes('*')) {
      if (/^\*\.[^*]+$/.test(h)) host.push({ kind: 'wildcard', value: h.toLowerCase() });
      else issues.push({ field: 'host', message: `"${h}" is not a valid wildcard`, hint: 'only a leading "*." is allowed, such as "*.example.com"' });
    } else host.push({ kind: 'exact', value: h.toLowerCase() });
  }
  const headers: ValueMatch[] = [];
  text.headers.forEach((h, i) => {
    const colon = h.indexOf(':');
    const p = parseHeaderLine(h, false);
    if (typeof p === 'string') return void issues.push({ field: `headers[${i}]`, message: p, hint: 'write "Name:value", "Name:~regex" or "Name"' });
    const m = valueMatch(p.lower, colon < 0 ? undefined : p.value);
    if (typeof m === 'string') issues.push({ field: `headers[${i}]`, message: m });
    else headers.push(m);
  });
  const query: ValueMatch[] = [];
  text.query.forEach((q, i) => {
    const eq = q.indexOf('=');
    if (q === '' || eq === 0) return void issues.push({ field: `query[${i}]`, message: `"${q}" has no parameter name`, hint: 'write "name=value", "name=~regex" or "name"' });
    const m = valueMatch(eq < 0 ? q : q.slice(0, eq), eq < 0 ? undefined : q.slice(eq + 1));
    if (typeof m === 'string') issues.push({ field: `query[${i}]`, message: m });
    else query.push(m);
  });
  return { match: { host, path, headers, query, weight: text.weight ?? pingapWeight(text.path, text.host) }, issues };
}

function valueMatch(name: string, value: string | undefined): ValueMatch | string {
  if (value === undefined) return { name };
  if (!value.startsWith('~')) return { name, exact: value };
  const err = regexError(value.slice(1));
  return err ? `invalid regex: ${err}` : { name, regex: value.slice(1) };
}

interface ValueMatcher {
  name: string;
  exact?: string;
  regex?: RegExp;
}

/** PathKind is how a route matches the path. */
export type PathKind = 'exact' | 'prefix' | 'regex' | 'any';

/** Route is a compiled route; `score` orders candidates. */
export interface Route<T> {
  /** name is the location name. */
  readonly name: string;
  /** pathKind is how the path matched. */
  readonly pathKind: PathKind;
  /** pathValue is the exact path, prefix or regex source. */
  readonly pathValue: string;
  /** pathRegex is the compiled path regex for `regex` routes. */
  readonly pathRegex?: RegExp;
  /** priority is the configured priority (0 when unset): higher wins. */
  readonly priority: number;
  /** weight is pingap's match weight, configured or computed: higher wins among equal priorities. */
  readonly weight: number;
  /** score orders candidates of equal priority and weight by specificity: higher wins. */
  readonly score: number;
  /** order is the declaration index, the final tie-breaker. */
  readonly order: number;
  /** data is the caller's payload. */
  readonly data: T;
  readonly headers: ValueMatcher[];
  readonly query: ValueMatcher[];
}

interface Bucket<T> {
  exact: Map<string, Route<T>[]>;
  prefixes: Map<string, Route<T>[]>;
  prefixLengths: number[];
  regexes: Route<T>[];
  any: Route<T>[];
}

const newBucket = <T>(): Bucket<T> => ({ exact: new Map(), prefixes: new Map(), prefixLengths: [], regexes: [], any: [] });

function valueMatcher(m: ValueMatch): ValueMatcher {
  if (m.regex !== undefined) return { name: m.name, regex: new RegExp(m.regex) };
  return m.exact !== undefined ? { name: m.name, exact: m.exact } : { name: m.name };
}

const PATH_RANK: Record<PathKind, number> = { exact: 3, prefix: 2, regex: 1, any: 0 };
const HOST_RANK = { exact: 3, wildcard: 2, regex: 1, any: 0 };

/** PathMatch is a location's `path` once read. */
export interface PathMatch {
  /** kind is how the path matches. */
  kind: PathKind;
  /** value is the exact path or prefix (normalized like request paths), or the regex source. */
  value: string;
}

/**
 * parsePathMatch reads a location's `path` as pingap does: trimmed, then `=` exact, `~` regex, empty or `/` any path,
 * anything else a prefix; the text after the modifier is trimmed too, so `= /x` is `=/x` and `~ \.php$` is `~\.php$`.
 * Exact paths and prefixes are normalized like request paths (slashes are not merged), so `=/ex%61ct` is `=/exact`.
 * A string is why the path is invalid.
 */
export function parsePathMatch(path: string): PathMatch | string {
  const p = path.trim();
  if (p === '' || p === '/') return { kind: 'any', value: p };
  if (p[0] === '~') {
    const source = p.slice(1).trim();
    try {
      new RegExp(source);
    } catch (err) {
      return `invalid regex: ${(err as Error).message}`;
    }
    return { kind: 'regex', value: source };
  }
  const exact = p[0] === '=';
  const value = exact ? p.slice(1).trim() : p;
  if (!value.startsWith('/')) return `"${path}" does not start with "/"`;
  const normal = normalizePath(value, false);
  if (typeof normal !== 'string') return `"${path}": ${normal.refused}`;
  if (!exact && normal === '/') return { kind: 'any', value: '/' };
  return { kind: exact ? 'exact' : 'prefix', value: normal };
}

/**
 * pingapWeight is the match weight pingap computes for a location without a `weight`, from `path` and `host` as written:
 * `=` 1024, `~` 256, another path longer than one character 512, plus the path's length (bytes, with the modifier) up to
 * 64; plus 128 for a host list without a regex, or the host text's length when it has one.
 */
export function pingapWeight(path: string, host: string | undefined): number {
  let w = 0;
  const len = Buffer.byteLength(path);
  if (len > 1) w += (path[0] === '=' ? 1024 : path[0] === '~' ? 256 : 512) + Math.min(len, 64);
  if (host !== undefined) w += host !== '' && !host.split(',').some((h) => h.startsWith('~')) ? 128 : Buffer.byteLength(host);
  return w;
}

/**
 * specificity orders locations of equal priority and weight, most specific first: path kind (exact > prefix > regex >
 * none), path length, host kind (exact > wildcard > regex > none) and length, then the number of header/query matches.
 * Each criterion stays strictly above the next (path length ≤ 9999, host length ≤ 999, matches ≤ 9).
 */
function specificity(pathKind: PathKind, pathLen: number, hostKind: keyof typeof HOST_RANK, hostLen: number, matches: number): number {
  return PATH_RANK[pathKind] * 1e10 + Math.min(pathLen, 9999) * 1e5 + HOST_RANK[hostKind] * 1e4 + Math.min(hostLen, 999) * 10 + Math.min(matches, 9);
}

function byScore<T>(a: Route<T>, b: Route<T>): number {
  return b.priority - a.priority || b.weight - a.weight || b.score - a.score || a.order - b.order;
}

/**
 * Router picks the location for a request. It is compiled once per config: hosts go into exact, wildcard-suffix and regex
 * buckets, and within a bucket paths into an exact map, a prefix map probed once per distinct prefix length, and a regex list,
 * so a request is checked against only the locations that can match it.
 */
export class Router<T> {
  private readonly exactHosts = new Map<string, Bucket<T>>();
  private readonly wildcardHosts: { suffix: string; bucket: Bucket<T> }[] = [];
  private readonly regexHosts: { re: RegExp; bucket: Bucket<T> }[] = [];
  private readonly anyHost: Bucket<T> = newBucket();
  /** size is the number of routes compiled. */
  readonly size: number;

  constructor(specs: RouteSpec<T>[]) {
    this.size = specs.length;
    specs.forEach((spec, order) => {
      const headers = spec.headers.map(valueMatcher);
      const query = spec.query.map(valueMatcher);
      const { kind: pathKind, value: pathValue } = spec.path;
      const pathRegex = pathKind === 'regex' ? new RegExp(pathValue) : undefined;
      const priority = spec.priority ?? 0;
      const weight = spec.weight;
      const hosts: (HostMatch | undefined)[] = spec.host.length ? spec.host : [undefined];
      for (const host of hosts) {
        const hostKind = host?.kind ?? 'any';
        // The regex's length counts its "~", as written.
        const hostLen = host === undefined ? 0 : host.kind === 'regex' ? host.value.length + 1 : host.value.length;
        const score = specificity(pathKind, pathKind === 'regex' || pathKind === 'any' ? 0 : pathValue.length, hostKind, hostLen, headers.length + query.length);
        const route: Route<T> = { name: spec.name, pathKind, pathValue, priority, weight, score, order, data: spec.data, headers, query, ...(pathRegex ? { pathRegex } : {}) };
        let bucket: Bucket<T>;
        if (host === undefined) bucket = this.anyHost;
        else if (host.kind === 'exact') {
          bucket = this.exactHosts.get(host.value) ?? newBucket();
          this.exactHosts.set(host.value, bucket);
        } else if (host.kind === 'wildcard') {
          const suffix = host.value.slice(1);
          let w = this.wildcardHosts.find((x) => x.suffix === suffix);
          if (!w) this.wildcardHosts.push((w = { suffix, bucket: newBucket() }));
          bucket = w.bucket;
        } else {
          const re = new RegExp(host.value, 'i');
          let r = this.regexHosts.find((x) => x.re.source === re.source);
          if (!r) this.regexHosts.push((r = { re, bucket: newBucket() }));
          bucket = r.bucket;
        }
        if (pathKind === 'exact') push(bucket.exact, pathValue, route);
        else if (pathKind === 'prefix') {
          push(bucket.prefixes, pathValue, route);
          if (!bucket.prefixLengths.includes(pathValue.length)) bucket.prefixLengths.push(pathValue.length);
        } else if (pathKind === 'regex') bucket.regexes.push(route);
        else bucket.any.push(route);
      }
    });
    for (const b of this.buckets()) {
      b.prefixLengths.sort((x, y) => y - x);
      for (const list of b.exact.values()) list.sort(byScore);
      for (const list of b.prefixes.values()) list.sort(byScore);
      b.regexes.sort(byScore);
      b.any.sort(byScore);
    }
  }

  private *buckets(): Iterable<Bucket<T>> {
    yield this.anyHost;
    yield* this.exactHosts.values();
    for (const w of this.wildcardHosts) yield w.bucket;
    for (const r of this.regexHosts) yield r.bucket;
  }

  /**
   * match returns the best route for a request, or undefined; `host` and `path` are normalized (normalizeHost,
   * normalizePath), `search` is the query without `?`. `headers` may be a function, or an object whose `headers` are
   * read (a request: its headers object is built on first use), only when a route has header conditions.
   */
  match(host: string, path: string, headers: HeaderSource, search: string): Route<T> | undefined {
    // Runs for every request: plain loops and no closures, so a match allocates nothing when no route has conditions.
    let best: Route<T> | undefined;
    const exact = this.exactHosts.get(host);
    if (exact) best = this.probe(exact, best, path, headers, search);
    // Indexed loops: for…of makes an iterator wherever the optimizing compiler has not removed it.
    const wild = this.wildcardHosts;
    for (let i = 0; i < wild.length; i++) if (host.endsWith(wild[i]!.suffix)) best = this.probe(wild[i]!.bucket, best, path, headers, search);
    const re = this.regexHosts;
    for (let i = 0; i < re.length; i++) if (re[i]!.re.test(host)) best = this.probe(re[i]!.bucket, best, path, headers, search);
    return this.probe(this.anyHost, best, path, headers, search);
  }

  private probe(b: Bucket<T>, best: Route<T> | undefined, path: string, headers: HeaderSource, search: string): Route<T> | undefined {
    if (b.exact.size) best = consider(b.exact.get(path), best, path, headers, search);
    const lens = b.prefixLengths;
    for (let i = 0; i < lens.length; i++) if (lens[i]! <= path.length) best = consider(b.prefixes.get(path.slice(0, lens[i])), best, path, headers, search);
    if (b.regexes.length) best = consider(b.regexes, best, path, headers, search);
    if (b.any.length) best = consider(b.any, best, path, headers, search);
    return best;
  }
}

/** HeaderSource gives a request's headers to routes with header conditions: the headers, a function, or an object holding them. */
export type HeaderSource = IncomingHttpHeaders | (() => IncomingHttpHeaders) | { readonly headers: IncomingHttpHeaders };

function headersOf(h: HeaderSource): IncomingHttpHeaders {
  if (typeof h === 'function') return h();
  const held = (h as { headers?: unknown }).headers;
  return held !== null && typeof held === 'object' ? (held as IncomingHttpHeaders) : (h as IncomingHttpHeaders);
}

/** consider returns the first route of a list (sorted best first) that beats `best` and whose conditions pass, else `best`. */
function consider<T>(list: Route<T>[] | undefined, best: Route<T> | undefined, path: string, headers: HeaderSource, search: string): Route<T> | undefined {
  if (!list) return best;
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    if (best && byScore(r, best) >= 0) return best;
    if (r.pathRegex && !r.pathRegex.test(path)) continue;
    if (r.headers.length) {
      const hs = headersOf(headers);
      if (!r.headers.every((m) => test(m, hs[m.name]))) continue;
    }
    if (r.query.length) {
      const params = new URLSearchParams(search);
      if (!r.query.every((m) => test(m, params.get(m.name) ?? undefined))) continue;
    }
    return r;
  }
  return best;
}

function push<T>(map: Map<string, Route<T>[]>, key: string, route: Route<T>): void {
  const list = map.get(key);
  if (list) list.push(route);
  else map.set(key, [route]);
}

function test(m: ValueMatcher, v: string | string[] | undefined): boolean {
  if (v === undefined) return false;
  const s = Array.isArray(v) ? v.join(', ') : v;
  if (m.exact !== undefined) return s === m.exact;
  if (m.regex) return m.regex.test(s);
  return true;
}
