/** HOP_BY_HOP are the headers that describe one connection and are never forwarded (RFC 9110 §7.6.1), plus `proxy-connection` and `http2-settings`. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

const HOP_LIST = [...HOP_BY_HOP];

/** sameName tells whether a header name is `lower` (given in lower case) in any case, without making a lower-cased copy. */
export function sameName(name: string, lower: string): boolean {
  const n = lower.length;
  if (name.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    if ((c >= 65 && c <= 90 ? c | 32 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * hopByHopName returns the HOP_BY_HOP name `name` is in any case, or undefined. It compares in place: the usual upstream
 * head has a `Connection` and a `Content-Length` (as long as `http2-settings`), and lower-casing them to look them up
 * made two strings and two hashes per response.
 */
export function hopByHopName(name: string): string | undefined {
  const n = name.length;
  for (let i = 0; i < HOP_LIST.length; i++) {
    const h = HOP_LIST[i]!;
    if (h.length === n && sameName(name, h)) return h;
  }
  return undefined;
}

/** HeaderList is an ordered list of request headers kept as a flat `[name, value, …]` array, the shape the upstream pool writes without copying. */
export class HeaderList {
  /** raw is the flat array of names and values. */
  readonly raw: string[];

  constructor(raw: string[] = []) {
    this.raw = raw;
  }

  /** get returns the first value of a header (case-insensitive), or undefined. */
  get(name: string): string | undefined {
    const n = name.toLowerCase();
    for (let i = 0; i < this.raw.length; i += 2) if (this.raw[i]!.toLowerCase() === n) return this.raw[i + 1];
    return undefined;
  }

  /** add appends a header, keeping existing ones of the same name. */
  add(name: string, value: string): void {
    this.raw.push(name, value);
  }

  /** remove deletes every header of that name. */
  remove(name: string): void {
    const n = name.toLowerCase();
    let w = 0;
    for (let i = 0; i < this.raw.length; i += 2) {
      if (this.raw[i]!.toLowerCase() === n) continue;
      this.raw[w++] = this.raw[i]!;
      this.raw[w++] = this.raw[i + 1]!;
    }
    this.raw.length = w;
  }

  /** set replaces every header of that name with one value. */
  set(name: string, value: string): void {
    this.remove(name);
    this.raw.push(name, value);
  }
}

/** headerObject turns a flat `[name, value, …]` list into an object: lower-case names, repeated values as arrays. */
export function headerObject(raw: string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    const prev = headers[k];
    headers[k] = prev === undefined ? raw[i + 1]! : Array.isArray(prev) ? [...prev, raw[i + 1]!] : [prev, raw[i + 1]!];
  }
  return headers;
}

/** HeaderLine is a parsed `"Name:value"` config entry. */
export interface HeaderLine {
  /** name is the header name as written. */
  name: string;
  /** lower is the lower-case name. */
  lower: string;
  /** value is the header value, trimmed. */
  value: string;
}

/** TOKEN matches a valid header name (RFC 9110 token). */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** INVALID_VALUE finds a character HTTP forbids in a header value (controls other than tab, DEL). */
export const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** parseHeaderLine reads `"Name:value"` (or `"Name: value"`); it returns an error message for a malformed entry. */
export function parseHeaderLine(line: string, needValue = true): HeaderLine | string {
  const i = line.indexOf(':');
  const name = (i < 0 ? line : line.slice(0, i)).trim();
  const value = i < 0 ? '' : line.slice(i + 1).trim();
  if (!TOKEN.test(name)) return `"${line}" has no valid header name`;
  if (needValue && i < 0) return `"${line}" is not "Name:value"`;
  // The same rule the parser applies to what clients send, so the hot path can write config values without checking them.
  if (INVALID_VALUE.test(value)) return `"${line}" has a control character in its value`;
  return { name, lower: name.toLowerCase(), value };
}

/** connectionTokens returns the lower-case header names a `Connection` header lists, which are hop-by-hop for that message. */
export function connectionTokens(value: string | string[] | undefined): Set<string> | undefined {
  if (value === undefined) return undefined;
  if (value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close') return undefined;
  const s = Array.isArray(value) ? value.join(',') : value;
  const out = new Set<string>();
  for (const t of s.split(',')) {
    const v = t.trim().toLowerCase();
    if (v && v !== 'close' && v !== 'keep-alive') out.add(v);
  }
  return out.size ? out : undefined;
}

/** lengthTable marks the lengths of the given names, so a loop over a header list lower-cases only names that could be one of them. */
export function lengthTable(names: Iterable<string>): Uint8Array {
  const t = new Uint8Array(64);
  for (const n of names) t[n.length] = 1;
  return t;
}
