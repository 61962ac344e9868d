import zlib from 'node:zlib';
import type { Transform } from 'node:stream';
import { definePlugin, type PluginDefinition, type RequestContext, type ResponseHead } from '../plugin.ts';

/** Encoding is a content coding the plugin can produce. */
export type Encoding = 'zstd' | 'br' | 'gzip';

/** zstdAvailable tells whether this runtime's zlib has zstd (Node 22.15 / 23.8 and later). */
export const zstdAvailable = typeof (zlib as { createZstdCompress?: unknown }).createZstdCompress === 'function';

// On equal q-values the better coding wins, as in pingap: zstd, then brotli, then gzip.
const PREFERENCE: Encoding[] = ['zstd', 'br', 'gzip'];

/**
 * chooseEncoding picks the coding for a response from the client's `Accept-Encoding` (RFC 9110 §12.5.3): the enabled coding
 * with the highest q-value, `*` standing for codings not named, `q=0` meaning "not acceptable"; ties go to zstd, then
 * brotli, then gzip. Undefined when the client accepts none of `enabled`.
 */
export function chooseEncoding(accept: string | undefined, enabled: ReadonlySet<Encoding>): Encoding | undefined {
  if (!accept) return undefined;
  const q = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [token, ...params] = part.split(';');
    const name = token!.trim().toLowerCase();
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k!.trim().toLowerCase() === 'q') {
        const n = Number(v?.trim());
        weight = Number.isFinite(n) ? Math.min(Math.max(n, 0), 1) : 0;
      }
    }
    // `x-gzip` is gzip by another name (RFC 9110 §8.4.1.3).
    const key = name === 'x-gzip' ? 'gzip' : name;
    q.set(key, Math.max(q.get(key) ?? 0, weight));
  }
  const star = q.get('*');
  let best: Encoding | undefined;
  let bestQ = 0;
  for (const e of PREFERENCE) {
    if (!enabled.has(e)) continue;
    const w = q.get(e) ?? star ?? 0;
    if (w > bestQ) {
      best = e;
      bestQ = w;
    }
  }
  return best;
}

/** accepts tells whether `Accept-Encoding` accepts a coding (q > 0, by name or through `*`). */
export function accepts(accept: string | undefined, coding: string): boolean {
  if (!accept) return false;
  let star: number | undefined;
  for (const part of accept.split(',')) {
    const [token, ...params] = part.split(';');
    const name = token!.trim().toLowerCase();
    const q = params.map((p) => p.split('=')).find(([k]) => k!.trim().toLowerCase() === 'q');
    const weight = q === undefined ? 1 : Number(q[1]?.trim());
    const w = Number.isFinite(weight) ? weight : 0;
    if (name === coding || (coding === 'gzip' && name === 'x-gzip')) return w > 0;
    if (name === '*') star = w;
  }
  return (star ?? 0) > 0;
}

/** DECODERS undo the codings an upstream may have applied, for `decompression`. */
const DECODERS: Record<string, (() => Transform) | undefined> = {
  gzip: () => zlib.createGunzip(),
  'x-gzip': () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
  zstd: zstdAvailable ? () => (zlib as unknown as { createZstdDecompress(): Transform }).createZstdDecompress() : undefined,
};

/** DEFAULT_TYPES are the content types compressed unless `content_types` says otherwise. */
const DEFAULT_TYPES = [
  'text/*',
  'application/json',
  'application/*+json',
  'application/javascript',
  'application/xml',
  'application/*+xml',
  'application/x-ndjson',
  'application/wasm',
  'image/svg+xml',
];

/** typeMatcher compiles a list of media types, each exact or with `*` for any run of characters (`text/*`, `application/*+json`). */
function typeMatcher(list: string[]): (contentType: string) => boolean {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const t of list) {
    const l = t.trim().toLowerCase();
    if (l.includes('*')) patterns.push(new RegExp(`^${l.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*')}$`));
    else exact.add(l);
  }
  return (ct) => {
    const semi = ct.indexOf(';');
    const media = (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
    return exact.has(media) || patterns.some((p) => p.test(media));
  };
}

const MEDIA_TYPE = /^[a-z0-9!#$&^_.+*-]+\/[a-z0-9!#$&^_.+*-]+$/i;

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

/** addVary adds `Accept-Encoding` to a head's Vary unless it is there (or Vary is `*`). */
function addVary(head: ResponseHead): void {
  const vary = first(head.headers.vary);
  if (vary === undefined || vary.trim() === '') head.headers.vary = 'Accept-Encoding';
  else if (!/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary)) head.headers.vary = `${vary}, Accept-Encoding`;
}

/** compressionPlugin compresses response bodies as they stream, in the best coding the client accepts. */
export const compressionPlugin: PluginDefinition = definePlugin({
  category: 'compression',
  description: 'compression encodes response bodies with zstd, brotli or gzip, as they stream, in the best coding the client accepts.',
  fields: {
    gzip_level: { kind: 'integer', default: 0, min: 0, max: 9, doc: 'gzip_level is the gzip level (1–9); 0 disables gzip.' },
    br_level: { kind: 'integer', default: 0, min: 0, max: 11, doc: 'br_level is the brotli quality (1–11); 0 disables brotli.' },
    zstd_level: { kind: 'integer', default: 0, min: 0, max: 22, doc: 'zstd_level is the zstd level (1–22); 0 disables zstd (also on runtimes without zstd).' },
    min_length: {
      kind: 'size',
      default: 0,
      doc: 'min_length leaves responses whose Content-Length is below it uncompressed; responses of unknown length (chunked, streamed) are always compressed.',
    },
    content_types: {
      kind: 'strings',
      default: DEFAULT_TYPES,
      doc: 'content_types are the media types compressed (`*` matches any characters, as in `text/*`); other responses, and responses without a Content-Type, pass unchanged.',
    },
    decompression: {
      kind: 'boolean',
      default: false,
      doc: 'decompression decodes an upstream response already encoded (gzip, deflate, br, zstd) for a client whose Accept-Encoding does not take that coding.',
    },
    mode: {
      kind: 'string',
      default: 'upstream',
      oneOf: ['upstream', 'downstream'],
      doc: "mode is accepted for pingap's configs; both values compress the body as it streams, with these rules.",
    },
  },
  validate(options, path, issues) {
    if (options.gzip_level + options.br_level + options.zstd_level === 0 && !options.decompression)
      issues.push({ path, message: 'no algorithm is enabled', hint: 'set gzip_level (1–9), br_level (1–11), zstd_level (1–22) or decompression = true' });
    for (const [i, t] of options.content_types.entries())
      if (!MEDIA_TYPE.test(t.trim()))
        issues.push({ path: `${path}.content_types[${i}]`, message: `"${t}" is not a media type`, hint: 'write types as "type/subtype", such as "text/*" or "application/json"' });
  },
  create(options) {
    const enabled = new Set<Encoding>();
    if (options.zstd_level > 0 && zstdAvailable) enabled.add('zstd');
    if (options.br_level > 0) enabled.add('br');
    if (options.gzip_level > 0) enabled.add('gzip');
    const compressible = typeMatcher(options.content_types);
    const { min_length: minLength, gzip_level: gzipLevel, br_level: brLevel, zstd_level: zstdLevel } = options;
    // Each upstream read is flushed through, so a streamed response (events, a long report) reaches the client as it comes.
    const make: Record<Encoding, () => Transform> = {
      gzip: () => zlib.createGzip({ level: gzipLevel, flush: zlib.constants.Z_SYNC_FLUSH }),
      br: () =>
        zlib.createBrotliCompress({
          flush: zlib.constants.BROTLI_OPERATION_FLUSH,
          params: { [zlib.constants.BROTLI_PARAM_QUALITY]: brLevel, [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT },
        }),
      zstd: () =>
        (zlib as unknown as { createZstdCompress(o: object): Transform }).createZstdCompress({
          flush: zlib.constants.ZSTD_e_flush,
          params: { [zlib.constants.ZSTD_c_compressionLevel]: zstdLevel },
        }),
    };
    return {
      responseBody(ctx: RequestContext, head: ResponseHead) {
        const h = head.headers;
        const type = first(h['content-type']);
        if (type === undefined || !compressible(type)) return undefined;
        // A range is a slice of the identity body; compressing it would make a slice of nothing the client can use.
        if (head.status === 206) return undefined;
        // Whether this client gets a compressed body, the response depends on Accept-Encoding: caches must know.
        addVary(head);
        const accept = ctx.req.headers['accept-encoding'];
        const acceptText = Array.isArray(accept) ? accept.join(',') : accept;
        const ce = first(h['content-encoding'])?.trim().toLowerCase();
        if (ce !== undefined && ce !== '' && ce !== 'identity') {
          // Encoded already: never a second time; decoded only for a client that cannot read it, when asked to.
          const decode = options.decompression && !accepts(acceptText, ce) ? DECODERS[ce] : undefined;
          if (decode === undefined) return undefined;
          delete h['content-encoding'];
          delete h['content-length'];
          const etag = first(h.etag);
          if (etag !== undefined && !etag.startsWith('W/')) h.etag = `W/${etag}`;
          return decode();
        }
        if (/(^|,)\s*no-transform\s*(,|$)/i.test(first(h['cache-control']) ?? '')) return undefined;
        const length = first(h['content-length']);
        if (length !== undefined && Number(length) < minLength) return undefined;
        const enc = chooseEncoding(acceptText, enabled);
        if (enc === undefined) return undefined;
        h['content-encoding'] = enc;
        delete h['content-length'];
        // The compressed body is another representation: a strong validator of the identity body no longer holds.
        const etag = first(h.etag);
        if (etag !== undefined && !etag.startsWith('W/')) h.etag = `W/${etag}`;
        return make[enc]();
      },
    };
  },
});
