import type { OutgoingHttpHeaders } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { ipListMatcher, parseCidr, parseSize } from '@etcd-monitor/core';
import { HOP_BY_HOP } from '../../http1/headers.ts';
import { definePlugin, type PluginDefinition, type PluginResponse, type RequestContext, type ResponseHead, type UpstreamRequest } from '../plugin.ts';
import { DiskStore, MemoryStore, type Entry, type Meta } from './store.ts';

/** CACHEABLE are the statuses stored (RFC 9110 §15.1's heuristically cacheable ones the gateway can replay whole). */
const CACHEABLE = new Set([200, 203, 300, 301, 308, 404, 410]);
/** STALE_ON are the statuses stale-if-error replaces (RFC 5861 §4). */
const STALE_ON = new Set([500, 502, 503, 504]);
/** NOT_STORED are response headers a stored copy leaves out: per-response ones and the cache's own. */
const NOT_STORED = new Set([...HOP_BY_HOP, 'age', 'cache-status', 'set-cookie', 'date']);
/** REVALIDATE is the header marking the gateway's own background request for a stale entry. */
const REVALIDATE = 'x-gateway-cache-revalidate';

/** Directives is a parsed Cache-Control: directive → value ('' when it has none). */
type Directives = Map<string, string>;

/** parseCacheControl reads a Cache-Control value into its directives (lower-case names, unquoted values). */
export function parseCacheControl(v: string | string[] | undefined): Directives {
  const out: Directives = new Map();
  if (v === undefined) return out;
  for (const part of (Array.isArray(v) ? v.join(',') : v).split(',')) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name)
      out.set(
        name,
        eq < 0
          ? ''
          : part
              .slice(eq + 1)
              .trim()
              .replace(/^"(.*)"$/, '$1'),
      );
  }
  return out;
}

/** seconds reads a delta-seconds directive value; undefined when absent or not a number. */
function seconds(d: Directives, name: string): number | undefined {
  const v = d.get(name);
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

/** notModified tells whether a request's If-None-Match matches an entry's ETag (weak comparison, RFC 9110 §13.1.2). */
export function notModified(ifNoneMatch: string | undefined, etag: string | undefined): boolean {
  if (ifNoneMatch === undefined || etag === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = (t: string) => t.trim().replace(/^W\//, '');
  const want = opaque(etag);
  return ifNoneMatch.split(',').some((t) => opaque(t) === want);
}

/** Waiter is a fetch in flight for a key: requests that miss the same key meanwhile wait for it (request coalescing). */
interface Waiter {
  done: Promise<void>;
  resolve: () => void;
}

function waiter(): Waiter {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return { done, resolve };
}

/** State is what the cache knows of one request between its hooks. */
interface State {
  primary: string;
  /** fwd is the Cache-Status `fwd` reason of a request the cache did not answer. */
  fwd: string;
  /** served is set when the cache answered the request itself. */
  served: boolean;
  /** stale is an entry past its freshness that stale-if-error may still serve. */
  stale: Entry | undefined;
  /** fill is the waiter this request holds while it fetches the key. */
  fill: Waiter | undefined;
  /** revalidate marks the gateway's own background fetch of a stale entry. */
  revalidate: boolean;
}

/** memoryBound reads the memory tier's size from `directory = "memory://…?max_size=…"`, else undefined. */
function memoryBound(directory: string): number | undefined | string {
  if (!directory.startsWith('memory://')) return undefined;
  const q = directory.indexOf('?');
  if (q < 0) return undefined;
  const v = new URLSearchParams(directory.slice(q + 1)).get('max_size');
  if (v === null) return undefined;
  try {
    return parseSize(v);
  } catch {
    return `max_size "${v}" in the directory is not a size`;
  }
}

/** cachePlugin keeps responses in memory (and optionally on disk) and answers repeated requests from there. */
export const cachePlugin: PluginDefinition = definePlugin({
  category: 'cache',
  description: 'cache stores responses (memory LRU bounded in bytes, optional disk tier) by Cache-Control, Expires and Vary, and answers repeated requests from there.',
  fields: {
    directory: {
      kind: 'string',
      default: '',
      doc: 'directory is empty or `memory://NAME?max_size=SIZE` for a memory-only cache, or a directory for a disk tier behind the memory one (entries there survive a restart).',
    },
    max_size: { kind: 'size', default: '100MiB', min: 1024, doc: 'max_size bounds the memory tier in bytes; least recently used entries leave first.' },
    disk_max_size: { kind: 'size', default: '1GiB', min: 1024, doc: 'disk_max_size bounds the disk tier in bytes; least recently used entries leave first.' },
    namespace: { kind: 'string', default: '', doc: 'namespace isolates this plugin’s entries (a subdirectory of `directory` on disk).' },
    headers: { kind: 'strings', default: [], doc: 'headers are request headers whose values become part of the key (on top of what responses `Vary` by).' },
    ttl: {
      kind: 'duration',
      default: '0s',
      doc: 'ttl is the lifetime of responses that give none (no `max-age`, `s-maxage` or `Expires`); 0 leaves them uncached.',
    },
    max_ttl: { kind: 'duration', default: '0s', doc: 'max_ttl caps every entry’s lifetime, whatever the response says; 0 leaves it uncapped.' },
    max_file_size: { kind: 'size', default: '1MiB', doc: 'max_file_size is the largest body stored; larger responses pass uncached.' },
    lock: {
      kind: 'duration',
      default: '1s',
      doc: 'lock is how long requests that miss a key wait for the one fetch already under way for it before going upstream themselves; 0 lets every miss go upstream.',
    },
    stale_while_revalidate: {
      kind: 'duration',
      default: '0s',
      doc: 'stale_while_revalidate serves an expired entry this long while one background request fetches it again, for responses whose Cache-Control does not say.',
    },
    stale_if_error: {
      kind: 'duration',
      default: '0s',
      doc: 'stale_if_error serves an expired entry this long in place of an upstream error (500, 502, 503, 504, or no answer), for responses whose Cache-Control does not say.',
    },
    check_cache_control: { kind: 'boolean', default: false, doc: 'check_cache_control stores only responses that carry a Cache-Control header.' },
    purge_ip_list: { kind: 'strings', default: [], doc: 'purge_ip_list are the addresses and CIDR ranges allowed to send `PURGE`.' },
    purge_token: { kind: 'string', default: '', doc: 'purge_token, when set, also allows `PURGE` requests with `Authorization: Bearer <purge_token>` from any address.' },
    skip: { kind: 'string', default: '', doc: 'skip is a regular expression on path and query; matching requests bypass the cache.' },
    eviction: { kind: 'boolean', default: true, doc: 'eviction is accepted for pingap’s configs; both tiers always evict least recently used entries.' },
    predictor: { kind: 'boolean', default: false, doc: 'predictor is accepted for pingap’s configs and has no effect.' },
  },
  validate(options, path, issues) {
    const bound = memoryBound(options.directory);
    if (typeof bound === 'string') issues.push({ path: `${path}.directory`, message: bound, hint: 'write max_size as a size, such as 100MiB' });
    if (options.directory && !options.directory.startsWith('memory://') && !isAbsolute(options.directory) && options.directory.includes('://'))
      issues.push({ path: `${path}.directory`, message: `"${options.directory}" is neither memory://… nor a directory`, hint: 'use memory://NAME?max_size=SIZE or a path' });
    for (const [i, ip] of options.purge_ip_list.entries())
      if (parseCidr(ip) === undefined)
        issues.push({ path: `${path}.purge_ip_list[${i}]`, message: `"${ip}" is not an IP address or CIDR range`, hint: 'write 127.0.0.1, 10.0.0.0/8 or fd00::/8' });
    if (options.skip) {
      try {
        new RegExp(options.skip);
      } catch (err) {
        issues.push({ path: `${path}.skip`, message: `not a regular expression: ${(err as Error).message}`, hint: 'escape special characters such as ( [ ? with a backslash' });
      }
    }
    for (const [i, h] of options.headers.entries())
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h))
        issues.push({ path: `${path}.headers[${i}]`, message: `"${h}" is not a header name`, hint: 'write header names such as Accept-Language' });
  },
  create(options, name) {
    const bound = memoryBound(options.directory);
    const memory = new MemoryStore(typeof bound === 'number' ? bound : options.max_size);
    const diskDir = options.directory && !options.directory.startsWith('memory://') ? resolve(options.directory, options.namespace) : undefined;
    const disk = diskDir === undefined ? undefined : new DiskStore(diskDir, options.disk_max_size);
    /** varyOf keeps, per primary key, the request headers its latest response varied by. */
    const varyOf = new Map<string, string[]>();
    if (disk) for (const m of disk.load()) varyOf.set(m.primary, m.vary);
    memory.evicted = (e) => {
      if (e.vary.length === 0 && disk === undefined) varyOf.delete(e.primary);
    };
    const inflight = new Map<string, Waiter>();
    const keyHeaders = options.headers.map((h) => h.toLowerCase());
    const skip = options.skip ? new RegExp(options.skip) : undefined;
    const purgeAllowed = ipListMatcher(options.purge_ip_list);
    const token = options.purge_token ? Buffer.from(`Bearer ${options.purge_token}`) : undefined;
    const secret = randomBytes(16).toString('hex');
    const ns = options.namespace;
    const lockMs = options.lock;
    // Two cache entries on one location keep apart.
    const stateKey = `cache:${name}`;

    const primaryKey = (ctx: RequestContext): string => {
      let k = `${ns}\n${ctx.scheme}://${ctx.host}${ctx.path}${ctx.query}`;
      for (const h of keyHeaders) k += `\n${one(ctx.req.headers[h]) ?? ''}`;
      return k;
    };
    const fullKey = (primary: string, vary: string[], ctx: RequestContext): string => {
      let k = primary;
      for (const h of vary) k += `\n${h}:${one(ctx.req.headers[h]) ?? ''}`;
      return k;
    };

    /** lookup finds the entry for a request: the primary key's Vary headers, then the variant of this request's values. */
    const lookup = (primary: string, ctx: RequestContext, now: number): Entry | undefined => {
      const vary = varyOf.get(primary);
      if (vary === undefined) return undefined;
      const key = fullKey(primary, vary, ctx);
      const e = memory.get(key);
      if (e !== undefined) {
        if (now <= Math.max(e.fresh, e.swr, e.sie)) return e;
        memory.delete(key);
      }
      const d = disk?.get(key);
      if (d === undefined) return undefined;
      if (now > Math.max(d.meta.fresh, d.meta.swr, d.meta.sie)) {
        disk!.delete(key);
        return undefined;
      }
      return { ...d.meta, body: undefined };
    };

    /** answerWith serves an entry: its stored head with Age and Cache-Status, its body from memory or streamed from disk. */
    const answerWith = (e: Entry, now: number, status: string, ctx?: RequestContext): PluginResponse => {
      const headers: Record<string, string | string[]> = { ...e.headers };
      headers.age = String(Math.max(0, Math.floor((now - e.date) / 1000)));
      headers['cache-status'] = `${name}; ${status}; ttl=${Math.floor((e.fresh - now) / 1000)}`;
      if (ctx !== undefined && e.status === 200 && notModified(one(ctx.req.headers['if-none-match']), one(e.headers.etag))) {
        delete headers['content-length'];
        return { status: 304, headers };
      }
      if (headers['content-length'] === undefined) headers['content-length'] = String(e.size);
      if (e.body !== undefined) return { status: e.status, headers, body: e.body };
      const d = disk?.get(e.key);
      if (d === undefined) return { status: 503, headers: { 'cache-status': `${name}; fwd=miss; detail=evicted` }, body: '' };
      return { status: e.status, headers, body: createReadStream(d.file, { start: d.offset }) };
    };

    const release = (st: State): void => {
      const w = st.fill;
      if (w === undefined) return;
      st.fill = undefined;
      if (inflight.get(st.primary) === w) inflight.delete(st.primary);
      w.resolve();
    };

    /** revalidate fetches a stale entry again in the background, as a request of the gateway to itself marked with this instance's secret. */
    const revalidate = (ctx: RequestContext, primary: string): void => {
      const w = waiter();
      inflight.set(primary, w);
      const done = () => {
        if (inflight.get(primary) === w) inflight.delete(primary);
        w.resolve();
      };
      const headers: OutgoingHttpHeaders = {};
      const h = ctx.req.headers;
      for (const k in h) {
        if (k.charCodeAt(0) === 58 /* : */ || HOP_BY_HOP.has(k) || k === 'if-none-match' || k === 'if-modified-since') continue;
        headers[k] = h[k];
      }
      headers.host = (h[':authority'] as string | undefined) ?? h.host ?? ctx.host;
      headers[REVALIDATE] = secret;
      const sock = ctx.req.socket;
      const opts = { host: sock.localAddress, port: sock.localPort, method: 'GET', path: ctx.req.url, headers, agent: false, timeout: 60_000 } as const;
      // The gateway's own certificate is not checked: the request never leaves this process's listener.
      // Taken here, not imported at the top: an ESM import of node:http makes Node.js evaluate every export it has (undici,
      // http2, worker_threads: ~10 MB of every worker's RSS, since the registry imports every plugin; lazy-deps.test.ts).
      const req =
        ctx.scheme === 'https'
          ? process.getBuiltinModule('node:https').request({ ...opts, ...(isIP(ctx.host) ? {} : { servername: ctx.host }), rejectUnauthorized: false })
          : process.getBuiltinModule('node:http').request(opts);
      req.on('response', (res) => {
        res.resume();
        res.on('end', done);
        res.on('error', done);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', done);
      req.end();
    };

    const purge = (ctx: RequestContext): PluginResponse => {
      const auth = one(ctx.req.headers.authorization);
      const byToken = token !== undefined && auth !== undefined && auth.length === token.length && timingSafeEqual(Buffer.from(auth), token);
      if (!byToken && !purgeAllowed(ctx.clientIp)) return { status: 403, headers: { 'content-type': 'text/plain' }, body: 'PURGE is not allowed from this address\n' };
      let n = 0;
      if (ctx.path === '/*') {
        for (const k of new Set([...memory.keys(), ...(disk?.keys() ?? [])])) {
          if (!k.startsWith(`${ns}\n`)) continue;
          memory.delete(k);
          disk?.delete(k);
          n++;
        }
        varyOf.clear();
        return { status: 200, headers: { 'content-type': 'text/plain' }, body: `purged: ${n}\n` };
      }
      const primary = primaryKey(ctx);
      for (const k of new Set([...memory.keys(), ...(disk?.keys() ?? [])])) {
        if (k !== primary && !k.startsWith(`${primary}\n`)) continue;
        memory.delete(k);
        disk?.delete(k);
      }
      varyOf.delete(primary);
      return { status: 204 };
    };

    /** storable decides whether a response may be kept (RFC 9111 §3, as a shared cache) and for how long; undefined when not. */
    const storable = (ctx: RequestContext, head: ResponseHead, now: number): { fresh: number; swr: number; sie: number; vary: string[]; date: number } | undefined => {
      const h = head.headers;
      if (!CACHEABLE.has(head.status) || h['set-cookie'] !== undefined) return undefined;
      const cc = parseCacheControl(h['cache-control']);
      if (cc.has('no-store') || cc.has('private') || cc.has('no-cache')) return undefined;
      if (options.check_cache_control && h['cache-control'] === undefined) return undefined;
      if (ctx.req.headers.authorization !== undefined && !cc.has('public') && !cc.has('s-maxage') && !cc.has('must-revalidate')) return undefined;
      const varyRaw = one(h.vary);
      const vary = varyRaw
        ? [
            ...new Set(
              varyRaw
                .split(',')
                .map((v) => v.trim().toLowerCase())
                .filter(Boolean),
            ),
          ].sort()
        : [];
      if (vary.includes('*')) return undefined;
      const dateHeader = Date.parse(one(h.date) ?? '');
      const date = Number.isFinite(dateHeader) ? dateHeader : now;
      const ttl = seconds(cc, 's-maxage') ?? seconds(cc, 'max-age');
      let ttlMs: number;
      if (ttl !== undefined) ttlMs = ttl * 1000;
      else if (h.expires !== undefined) {
        const exp = Date.parse(one(h.expires) ?? '');
        ttlMs = Number.isFinite(exp) ? exp - date : 0;
      } else ttlMs = options.ttl;
      // Time the response already spent in caches upstream counts against its lifetime.
      const n = Number(one(h.age) ?? 0);
      const ageMs = Number.isFinite(n) && n > 0 ? n * 1000 : 0;
      ttlMs -= ageMs;
      if (options.max_ttl > 0) ttlMs = Math.min(ttlMs, options.max_ttl);
      if (ttlMs <= 0) return undefined;
      const fresh = now + ttlMs;
      const swr = fresh + (seconds(cc, 'stale-while-revalidate') ?? options.stale_while_revalidate / 1000) * 1000;
      const sie = fresh + (seconds(cc, 'stale-if-error') ?? options.stale_if_error / 1000) * 1000;
      return { fresh, swr, sie, vary, date: now - ageMs };
    };

    const store = (e: Entry): void => {
      varyOf.set(e.primary, e.vary);
      memory.set(e);
      if (disk && e.body) disk.put({ ...e, body: undefined } as Meta, e.body).catch(() => {});
    };

    return {
      request(ctx: RequestContext) {
        const method = ctx.method;
        if (method === 'PURGE') return purge(ctx);
        if (method !== 'GET' && method !== 'HEAD') return;
        if (skip !== undefined && skip.test(ctx.path + ctx.query)) return;
        const primary = primaryKey(ctx);
        const st: State = { primary, fwd: 'uri-miss', served: false, stale: undefined, fill: undefined, revalidate: false };
        ctx.state[stateKey] = st;
        const mark = ctx.req.headers[REVALIDATE];
        if (mark !== undefined && mark === secret) {
          // The background fetch of a stale entry: it goes upstream and refreshes the entry, under the waiter revalidate() set.
          st.revalidate = true;
          st.fwd = 'stale';
          st.fill = inflight.get(primary);
          return;
        }
        const reqCc = parseCacheControl(ctx.req.headers['cache-control']);
        if (reqCc.has('no-cache') || reqCc.has('no-store')) {
          st.fwd = 'request';
          return;
        }
        const now = Date.now();
        const e = lookup(primary, ctx, now);
        if (e !== undefined) {
          if (now <= e.fresh) {
            st.served = true;
            return answerWith(e, now, 'hit', ctx);
          }
          if (now <= e.swr) {
            if (!inflight.has(primary)) revalidate(ctx, primary);
            st.served = true;
            return answerWith(e, now, 'hit; fwd=stale', ctx);
          }
          st.stale = e;
          st.fwd = 'stale';
        } else if (varyOf.has(primary)) st.fwd = 'vary-miss';
        if (method !== 'GET' || lockMs <= 0) return;
        const w = inflight.get(primary);
        if (w === undefined) {
          st.fill = waiter();
          inflight.set(primary, st.fill);
          return;
        }
        // Another request is fetching this key: wait for it (at most `lock`), then answer from what it stored.
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((r) => (timer = setTimeout(r, lockMs)));
        return Promise.race([w.done, timeout]).then(() => {
          clearTimeout(timer);
          const later = Date.now();
          const hit = lookup(primary, ctx, later);
          if (hit !== undefined && later <= hit.fresh) {
            st.served = true;
            return answerWith(hit, later, 'hit; collapsed', ctx);
          }
          st.fwd = hit === undefined && varyOf.has(primary) ? 'vary-miss' : st.fwd;
          return undefined;
        });
      },
      proxyUpstream(ctx: RequestContext, up: UpstreamRequest) {
        const st = ctx.state[stateKey] as State | undefined;
        if (st?.revalidate) up.headers.remove(REVALIDATE);
      },
      response(ctx: RequestContext, head: ResponseHead) {
        const st = ctx.state[stateKey] as State | undefined;
        if (st === undefined || st.served) return;
        if (!(st.stale !== undefined && STALE_ON.has(head.status))) head.headers['cache-status'] = `${name}; fwd=${st.fwd}`;
      },
      responseBody(ctx: RequestContext, head: ResponseHead) {
        const st = ctx.state[stateKey] as State | undefined;
        if (st === undefined || st.served) return undefined;
        const now = Date.now();
        const stale = st.stale;
        if (stale !== undefined && STALE_ON.has(head.status) && now <= stale.sie) {
          // stale-if-error: the upstream failed, the expired entry answers instead; its body replaces the error's.
          const served = answerWith(stale, now, `fwd=stale; fwd-status=${head.status}`);
          head.status = served.status;
          for (const k of Object.keys(head.headers)) delete head.headers[k];
          Object.assign(head.headers, served.headers);
          release(st);
          const body = served.body!;
          return new Transform({
            transform: (_chunk, _enc, cb) => cb(),
            flush(cb) {
              if (Buffer.isBuffer(body)) return cb(null, body);
              const s = body as NodeJS.ReadableStream;
              s.on('data', (c: Buffer) => this.push(c));
              s.on('end', () => cb());
              s.on('error', (err: Error) => cb(err));
            },
          });
        }
        if (ctx.method !== 'GET') return undefined;
        const policy = storable(ctx, head, now);
        if (policy === undefined) {
          release(st);
          return undefined;
        }
        head.headers['cache-status'] = `${name}; fwd=${st.fwd}; stored`;
        const stored: Record<string, string | string[]> = {};
        for (const k in head.headers) {
          const v = head.headers[k];
          if (v !== undefined && !NOT_STORED.has(k)) stored[k] = v;
        }
        const meta: Omit<Entry, 'body' | 'size'> = {
          key: fullKey(st.primary, policy.vary, ctx),
          primary: st.primary,
          vary: policy.vary,
          status: head.status,
          headers: stored,
          date: policy.date,
          fresh: policy.fresh,
          swr: policy.swr,
          sie: policy.sie,
        };
        const max = options.max_file_size;
        let chunks: Buffer[] | undefined = [];
        let size = 0;
        return new Transform({
          transform(chunk: Buffer, _enc, cb) {
            if (chunks !== undefined) {
              size += chunk.length;
              if (size > max) {
                chunks = undefined;
                release(st);
              } else chunks.push(chunk);
            }
            cb(null, chunk);
          },
          flush(cb) {
            if (chunks !== undefined) store({ ...meta, size, body: Buffer.concat(chunks, size) });
            release(st);
            cb();
          },
          destroy(err, cb) {
            chunks = undefined;
            release(st);
            cb(err);
          },
        });
      },
      log(ctx: RequestContext) {
        const st = ctx.state[stateKey] as State | undefined;
        if (st !== undefined) release(st);
      },
    };
  },
});
