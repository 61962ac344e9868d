import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatBytes, formatDuration } from '@etcd-monitor/core';
import type { ConfigIssue } from '../config/fields.ts';
import { didYouMean } from '../config/suggest.ts';
import type { ClientRequestInfo } from '../plugins/plugin.ts';

/** AccessLogEntry is what the proxy knows about one finished request. */
export interface AccessLogEntry {
  /** req is the client request. */
  req: ClientRequestInfo;
  /** host is the request host without port. */
  host: string;
  /** method is the request method. */
  method: string;
  /** path is the original request path. */
  path: string;
  /** query is the original query string with its `?`, or empty. */
  query: string;
  /** scheme is http or https. */
  scheme: string;
  /** clientIp is the client address (the first X-Forwarded-For entry when present). */
  clientIp: string;
  /** remoteAddr is the peer address of the client connection, read when the request started (an HTTP/2 stream loses its socket when it closes). */
  remoteAddr: string;
  /** tlsVersion is the client connection's TLS version (`TLSv1.3`), or empty without TLS. */
  tlsVersion: string;
  /** tlsCipher is the client connection's TLS cipher name, or empty without TLS. */
  tlsCipher: string;
  /** status is the status sent to the client. */
  status: number;
  /** bytesSent is the response body size sent. */
  bytesSent: number;
  /** payloadSize is the request body size received. */
  payloadSize: number;
  /** start is the request start as epoch ms. */
  start: number;
  /** latency is the total time in ms. */
  latency: number;
  /** requestId is the request id, when a plugin set one. */
  requestId: string;
  /** location is the matched location name, or empty. */
  location: string;
  /** server is the server name. */
  server: string;
  /** upstreamAddr is the upstream server used, or empty. */
  upstreamAddr: string;
  /** upstreamStatus is the upstream response status, or 0. */
  upstreamStatus: number;
  /** upstreamConnectTime is the time in ms until the request was written to an upstream connection (connecting included when the connection was new), or -1. */
  upstreamConnectTime: number;
  /** upstreamResponseTime is the time until the upstream response head in ms, or -1. */
  upstreamResponseTime: number;
  /** connectionReused tells whether the client connection served an earlier request. */
  connectionReused: boolean;
  /** responseHeader reads a response header that was sent. */
  responseHeader: (name: string) => string | number | string[] | undefined;
}

type Render = (e: AccessLogEntry) => string;

function cookie(e: AccessLogEntry, name: string): string {
  const c = e.req.headers.cookie;
  if (!c) return '';
  for (const part of c.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return '';
}

function header(v: string | number | string[] | undefined): string {
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(', ') : String(v);
}

const ms = (n: number) => (n < 0 ? '-' : String(Math.round(n)));

/** VARIABLES maps every `{name}` an access log format may use to how it is rendered. */
export const VARIABLES: Record<string, Render> = {
  host: (e) => e.host,
  method: (e) => e.method,
  path: (e) => e.path,
  proto: (e) => (e.req.httpVersion === '2.0' ? 'HTTP/2.0' : `HTTP/${e.req.httpVersion}`),
  query: (e) => e.query.slice(1),
  remote: (e) => e.remoteAddr,
  client_ip: (e) => e.clientIp,
  scheme: (e) => e.scheme,
  uri: (e) => e.path + e.query,
  referer: (e) => header(e.req.headers.referer),
  user_agent: (e) => header(e.req.headers['user-agent']),
  when: (e) => new Date(e.start).toString(),
  when_utc_iso: (e) => new Date(e.start).toISOString(),
  when_unix: (e) => String(e.start),
  size: (e) => String(e.bytesSent),
  size_human: (e) => formatBytes(e.bytesSent),
  status: (e) => String(e.status),
  latency: (e) => String(Math.round(e.latency)),
  latency_human: (e) => formatDuration(e.latency),
  payload_size: (e) => String(e.payloadSize),
  payload_size_human: (e) => formatBytes(e.payloadSize),
  request_id: (e) => e.requestId || '-',
  location: (e) => e.location,
  server: (e) => e.server,
  upstream_addr: (e) => e.upstreamAddr || '-',
  upstream_status: (e) => (e.upstreamStatus ? String(e.upstreamStatus) : '-'),
  upstream_connect_time: (e) => ms(e.upstreamConnectTime),
  upstream_response_time: (e) => ms(e.upstreamResponseTime),
  connection_reused: (e) => String(e.connectionReused),
  tls_version: (e) => e.tlsVersion || '-',
  tls_cipher: (e) => e.tlsCipher || '-',
};

// Variables the gateway renders from numbers or its own words: nothing a client sent can reach them.
const NUMERIC = new Set([
  'status',
  'size',
  'size_human',
  'latency',
  'latency_human',
  'payload_size',
  'payload_size_human',
  'when_unix',
  'when_utc_iso',
  'upstream_status',
  'upstream_connect_time',
  'upstream_response_time',
  'connection_reused',
  'scheme',
  'proto',
]);

// What a text log line may not carry raw: `"` and `\` (they delimit fields), control characters (a newline would start a
// forged line) and everything outside printable ASCII — nginx's default `escape`.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\x00-\x1f"\\\x7f-\uffff]/;

const hex = (b: number) => `\\x${b < 16 ? '0' : ''}${b.toString(16).toUpperCase()}`;

/**
 * escapeLogValue escapes a value for a text access log line as nginx does: `"`, `\`, control characters and bytes above
 * 0x7E become `\xHH` (characters above U+00FF as their UTF-8 bytes), so no client can end a field or a line.
 */
export function escapeLogValue(v: string): string {
  if (!UNSAFE.test(v)) return v;
  let out = '';
  for (const ch of v) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) out += ch;
    else if (c <= 0xff) out += hex(c);
    else for (const b of Buffer.from(ch, 'utf8')) out += hex(b);
  }
  return out;
}

/** PRESETS are pingap's named formats. */
export const PRESETS: Record<string, string> = {
  combined: '{remote} "{method} {uri} {proto}" {status} {size_human} "{referer}" "{user_agent}"',
  common: '{remote} "{method} {uri} {proto}" {status} {size_human}',
  short: '{remote} {method} {uri} {proto} {status} {size_human} - {latency}ms',
  tiny: '{method} {uri} {status} {size_human} - {latency}ms',
};

const JSON_FIELDS = [
  'when_utc_iso',
  'host',
  'method',
  'uri',
  'proto',
  'status',
  'size',
  'latency',
  'client_ip',
  'referer',
  'user_agent',
  'request_id',
  'location',
  'upstream_addr',
  'upstream_status',
  'upstream_response_time',
];

/** knownVariable tells whether `{name}` is an access log variable: a `>request` or `<response` header, a `~cookie`, an `$ENV` variable, or one of VARIABLES. */
function knownVariable(name: string): boolean {
  return name[0] === '>' || name[0] === '<' || name[0] === '~' || name[0] === '$' || Object.hasOwn(VARIABLES, name);
}

function variable(name: string): Render {
  const sigil = name[0];
  const arg = name.slice(1);
  if (sigil === '>') return (e) => header(e.req.headers[arg.toLowerCase()]);
  if (sigil === '<') return (e) => header(e.responseHeader(arg));
  if (sigil === '~') return (e) => cookie(e, arg);
  if (sigil === '$') return () => process.env[arg] ?? '';
  return VARIABLES[name]!;
}

/** AccessLogFormat is a parsed access log format: a JSON object of these variables per line, or literal text and `{variables}`. */
export type AccessLogFormat = { json: string[] } | { line: (string | { var: string })[] };

/**
 * parseAccessLogFormat reads a preset name, `json`, `json:var,…` or a `{variable}` template; unknown variables are
 * reported in `issues` and left out.
 */
export function parseAccessLogFormat(format: string, path: string, issues: ConfigIssue[]): AccessLogFormat {
  const known = (name: string) => {
    if (knownVariable(name)) return true;
    issues.push({ path, message: `unknown access log variable {${name}}`, hint: didYouMean(name, Object.keys(VARIABLES)) ?? '' });
    return false;
  };
  if (format === 'json' || format.startsWith('json:')) {
    const names =
      format === 'json'
        ? JSON_FIELDS
        : format
            .slice(5)
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
    return { json: names.filter(known) };
  }
  const template = PRESETS[format] ?? format;
  const line: (string | { var: string })[] = [];
  const re = /\{([^{}]+)\}/g;
  let last = 0;
  for (let m = re.exec(template); m; m = re.exec(template)) {
    if (m.index > last) line.push(template.slice(last, m.index));
    if (known(m[1]!)) line.push({ var: m[1]! });
    last = re.lastIndex;
  }
  if (last < template.length) line.push(template.slice(last));
  return { line };
}

/** compileAccessLog turns a parsed format into a line renderer. */
export function compileAccessLog(format: AccessLogFormat): Render {
  if ('json' in format) {
    const parts = format.json.map((n) => [n.replace(/^[<>~$]/, ''), variable(n)] as const);
    return (e) => {
      const o: Record<string, string | number> = {};
      for (const [k, r] of parts) o[k] = k === 'status' || k === 'size' || k === 'latency' ? Number(r(e)) : r(e);
      return JSON.stringify(o);
    };
  }
  const pieces = format.line.map((p): string | Render => {
    if (typeof p === 'string') return p;
    const r = variable(p.var);
    return NUMERIC.has(p.var) ? r : (e) => escapeLogValue(r(e));
  });
  return (e) => {
    let s = '';
    for (const p of pieces) s += typeof p === 'string' ? p : p(e);
    return s;
  };
}

/** compileAccessLogFormat turns a preset name, `json`, `json:var,…` or a `{variable}` template into a line renderer; unknown variables are reported. */
export function compileAccessLogFormat(format: string, path: string, issues: ConfigIssue[]): Render {
  return compileAccessLog(parseAccessLogFormat(format, path, issues));
}

/** isLogPath tells whether an `access_log` value is a file path rather than a format. */
export function isLogPath(value: string): boolean {
  return (value.startsWith('/') || value.startsWith('./') || value.startsWith('../')) && !value.includes('{');
}

/** AccessLogSink receives rendered lines. */
export interface AccessLogSink {
  /** write queues one line (without newline). */
  write(line: string): void;
  /** close flushes and releases the file. */
  close(): void;
}

/** FileAccessLog appends lines to a file in batches (one write per event-loop turn) and rotates it by time and size. */
export class FileAccessLog implements AccessLogSink {
  private fd = -1;
  private size = 0;
  private period = '';
  private buf: string[] = [];
  private scheduled = false;
  private readonly path: string;
  private readonly rotate: '' | 'hourly' | 'daily';
  private readonly maxSize: number;

  constructor(path: string, rotate: '' | 'hourly' | 'daily' = '', maxSize = 0) {
    this.path = path;
    this.rotate = rotate;
    this.maxSize = maxSize;
    mkdirSync(dirname(path), { recursive: true });
    this.open();
  }

  private periodOf(d: Date): string {
    const iso = d.toISOString();
    return this.rotate === 'daily' ? iso.slice(0, 10) : this.rotate === 'hourly' ? iso.slice(0, 13).replace('T', '-') : '';
  }

  private open(): void {
    this.fd = openSync(this.path, 'a');
    this.size = statSync(this.path).size;
    this.period = this.periodOf(new Date());
  }

  write(line: string): void {
    this.buf.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** flush writes the queued lines now. */
  flush(): void {
    this.scheduled = false;
    if (this.buf.length === 0 || this.fd < 0) return;
    const data = this.buf.join('\n') + '\n';
    this.buf = [];
    const now = this.periodOf(new Date());
    if ((this.rotate && now !== this.period) || (this.maxSize > 0 && this.size > 0 && this.size + data.length > this.maxSize)) this.rotateNow(now);
    this.size += writeSync(this.fd, data);
  }

  private rotateNow(now: string): void {
    closeSync(this.fd);
    const suffix = this.rotate && now !== this.period ? this.period : new Date().toISOString().replace(/[:.]/g, '-');
    let target = `${this.path}.${suffix}`;
    for (let i = 1; existsSync(target); i++) target = `${this.path}.${suffix}.${i}`;
    try {
      renameSync(this.path, target);
    } catch {
      // Another worker rotated it first (appending to the new file is right), or the directory is not writable by the
      // worker's user (the file keeps growing).
    }
    try {
      this.open();
    } catch (err) {
      // A file the worker's user may not open (basic.user) must not take the worker down: the log stops, and says why.
      this.fd = -1;
      process.stderr.write(
        `etcd-monitor gateway: access log ${this.path}: cannot reopen it after rotation (${(err as NodeJS.ErrnoException).code ?? String(err)}); access logging to it stopped\n`,
      );
    }
  }

  /** file is the path written to. */
  get file(): string {
    return this.path;
  }

  close(): void {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** StreamAccessLog writes lines to a stream such as stdout, batched per event-loop turn. */
export class StreamAccessLog implements AccessLogSink {
  private buf: string[] = [];
  private scheduled = false;
  private readonly out: NodeJS.WritableStream;

  constructor(out: NodeJS.WritableStream) {
    this.out = out;
  }

  write(line: string): void {
    this.buf.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.buf.length) this.out.write(this.buf.join('\n') + '\n');
    this.buf = [];
  }

  close(): void {
    this.flush();
  }
}
