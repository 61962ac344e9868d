import { isIPv6 } from 'node:net';

// Request path and Host normalization, done once per request before routing (HTTP/1.1, WebSocket and HTTP/2 alike) so that
// locations, rewrites and the upstream all see one canonical form. The rules follow nginx, with one difference on purpose:
// characters other than the unreserved ones stay percent-encoded (with upper-case hex), so the path forwarded upstream
// still means exactly what the client sent. docs/gateway.md ("Path and Host normalization") is the user-facing description.

/** PathRefusal is why a request path is refused with 400. */
export interface PathRefusal {
  /** refused is the reason, for the error page and the log. */
  refused: string;
}

// UNRESERVED[c] is 1 for RFC 3986's unreserved characters, the only ones decoded: ALPHA DIGIT - . _ ~
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-._~]/.test(ch)) UNRESERVED[c] = 1;
}
const HEX = '0123456789ABCDEF';
// A segment holding an encoded slash or backslash is split on it to look for dot segments an upstream could act on.
const ENCODED_SEPARATOR = /%2F|%5C|\\/;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/**
 * decodeSegment decodes the unreserved characters of one segment, upper-cases the hex of the other escapes, and refuses
 * a malformed escape, or a dot segment hidden behind an encoded slash (`..%2F`), which an upstream that decodes `%2F`
 * would climb with even though the gateway does not.
 */
function decodeSegment(raw: string): string | PathRefusal {
  if (raw.indexOf('%') < 0 && raw.indexOf('\\') < 0) return raw;
  let out = '';
  let from = 0;
  let separator = raw.indexOf('\\') >= 0;
  for (let i = raw.indexOf('%'); i >= 0; i = raw.indexOf('%', i)) {
    const hi = hexValue(raw.charCodeAt(i + 1));
    const lo = hexValue(raw.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return { refused: `"${raw.slice(i, i + 3)}" is not a valid percent-encoding` };
    const v = (hi << 4) | lo;
    // As nginx: a NUL ends strings in the C (and PHP, …) code an upstream may hand the path to.
    if (v === 0) return { refused: '"%00" is refused' };
    out += raw.slice(from, i);
    if (v < 128 && UNRESERVED[v] === 1) out += String.fromCharCode(v);
    else {
      out += `%${HEX[hi]}${HEX[lo]}`;
      if (v === 0x2f || v === 0x5c) separator = true;
    }
    i += 3;
    from = i;
  }
  out += raw.slice(from);
  if (separator) {
    for (const piece of out.split(ENCODED_SEPARATOR)) {
      if (piece === '.' || piece === '..') return { refused: 'a dot segment next to an encoded slash ("..%2F") is refused' };
    }
  }
  return out;
}

/**
 * normalizePath returns the canonical form of a request path (which starts with `/`; without the query): unreserved
 * characters percent-decoded and other escapes in upper-case hex, `.` and `..` segments (also encoded, `%2e%2e`) removed,
 * and with `mergeSlashes` runs of `/` merged into one. `%2F` stays encoded and is not a separator. A path that climbs
 * above the root, holds a malformed escape, or hides a dot segment behind an encoded slash is refused (400). An already
 * canonical path — one without `%`, `/.`, `\` and (when merging) `//` — is returned as is after one scan.
 */
export function normalizePath(path: string, mergeSlashes = true): string | PathRefusal {
  return isNormal(path, mergeSlashes) ? path : normalizeSlow(path, mergeSlashes, false);
}

/** isNormal tells that a path has no `%`, `\`, `/.` and (when merging) `//`: nothing to normalize. One pass of charCodeAt is ~2.5× faster than four indexOf. */
function isNormal(path: string, mergeSlashes: boolean): boolean {
  let prev = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 37 /* % */ || c === 92 /* \ */ || (prev === 47 /* / */ && (c === 46 /* . */ || (c === 47 && mergeSlashes)))) return false;
    prev = c;
  }
  return true;
}

/**
 * normalizeRewritten normalizes the result of a rewrite as normalizePath does, but refuses any dot segment: the request
 * path had none left, so one here was assembled from a capture next to a literal (`/p-..` through `^/p-(.*)$ /q/$1`) to
 * leave the rewrite's target. A result without a leading `/` gets one.
 */
export function normalizeRewritten(path: string, mergeSlashes = true): string | PathRefusal {
  const p = path.charCodeAt(0) === 47 ? path : `/${path}`;
  return isNormal(p, mergeSlashes) ? p : normalizeSlow(p, mergeSlashes, true);
}

function normalizeSlow(path: string, mergeSlashes: boolean, refuseDots: boolean): string | PathRefusal {
  const out: string[] = [];
  const n = path.length;
  let start = 1;
  for (;;) {
    let end = path.indexOf('/', start);
    const last = end < 0;
    if (last) end = n;
    const seg = decodeSegment(path.slice(start, end));
    if (typeof seg !== 'string') return seg;
    if (refuseDots && (seg === '.' || seg === '..')) return { refused: 'the rewritten path has a dot segment' };
    if (seg === '.') {
      if (last) out.push('');
    } else if (seg === '..') {
      if (out.length === 0) return { refused: 'the path climbs above the root ("/..")' };
      out.pop();
      if (last) out.push('');
    } else if (seg !== '' || last || !mergeSlashes) out.push(seg);
    if (last) break;
    start = end + 1;
  }
  return `/${out.join('/')}`;
}

/**
 * normalizeHost returns the host of a `Host` (or `:authority`) value for routing: lower-case, without the port and a
 * trailing dot. It returns undefined for a value that is not `host[:port]` — a host of letters, digits, `-`, `_` and
 * dot-separated non-empty labels, or an IPv6 literal in brackets; a port of at most 5 digits up to 65535 (or empty, as
 * RFC 3986 allows). An empty value (no Host, HTTP/1.0) is returned as `''`.
 */
export function normalizeHost(value: string): string | undefined {
  const n = value.length;
  if (n === 0) return '';
  let end = n;
  let upper = false;
  if (value.charCodeAt(0) === 91 /* [ */) {
    end = value.indexOf(']');
    if (end < 0 || !isIPv6(value.slice(1, end))) return undefined;
    end++;
    if (end < n && value.charCodeAt(end) !== 58 /* : */) return undefined;
    for (let i = 1; i < end; i++) {
      const c = value.charCodeAt(i);
      if (c >= 65 && c <= 90) upper = true;
    }
  } else {
    let prev = 46; /* . */ // a leading dot is an empty label
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c === 58 /* : */) {
        end = i;
        break;
      }
      if (c === 46) {
        if (prev === 46) return undefined;
      } else if (c >= 65 && c <= 90) upper = true;
      else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95)) return undefined;
      prev = c;
    }
  }
  if (end < n) {
    const digits = n - end - 1;
    if (digits > 5) return undefined;
    let port = 0;
    for (let i = end + 1; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c < 48 || c > 57) return undefined;
      port = port * 10 + c - 48;
    }
    if (port > 65535) return undefined;
  }
  let hostEnd = end;
  if (value.charCodeAt(hostEnd - 1) === 46) hostEnd--;
  if (hostEnd === 0) return undefined;
  const host = hostEnd === n ? value : value.slice(0, hostEnd);
  return upper ? host.toLowerCase() : host;
}
