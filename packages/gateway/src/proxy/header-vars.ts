import { hostname } from 'node:os';
import { INVALID_VALUE, type HeaderLine } from '../http1/headers.ts';

/** VarSource is what a header value template reads from a request (the proxy's Exchange has it). */
export interface VarSource {
  /** host is the request host, lower-case, without port. */
  readonly host: string;
  /** scheme is `http` or `https`. */
  readonly scheme: string;
  /** upstreamAddr is the server picked for this attempt, empty before one is. */
  readonly upstreamAddr: string;
  /** req gives the client connection's addresses. */
  readonly req: { readonly socket?: { remoteAddress?: string; remotePort?: number; localAddress?: string; localPort?: number } | null };
  /** header reads a client request header (repeated values joined with `, `). */
  header(name: string): string | undefined;
}

type Render = (s: VarSource) => string;

const port = (p: number | undefined) => (p === undefined ? '' : String(p));

/** HEADER_VARIABLES are pingap's (and nginx's) header value variables, resolved per request; `$http_NAME` reads a request header. */
export const HEADER_VARIABLES: Record<string, Render> = {
  host: (s) => s.host,
  scheme: (s) => s.scheme,
  remote_addr: (s) => s.req.socket?.remoteAddress ?? '',
  remote_port: (s) => port(s.req.socket?.remotePort),
  server_addr: (s) => s.req.socket?.localAddress ?? '',
  server_port: (s) => port(s.req.socket?.localPort),
  upstream_addr: (s) => s.upstreamAddr,
  proxy_add_x_forwarded_for: (s) => {
    const peer = s.req.socket?.remoteAddress ?? '';
    const xff = s.header('x-forwarded-for');
    return xff ? `${xff}, ${peer}` : peer;
  },
};

/** TemplatedHeader is a header rule whose value may hold variables: `render` is set only when it does, so plain values cost nothing. */
export interface TemplatedHeader extends HeaderLine {
  /** render builds the value for one request. */
  render?: Render;
  /** late tells that the value needs the upstream server, known only once one is picked for an attempt. */
  late?: boolean;
}

/** CompiledValue is a header value template once read: constant text, or a per-request renderer, and what to warn about. */
export interface CompiledValue {
  /** value is the text with load-time variables (environment, `$hostname`) substituted. */
  value: string;
  /** render is set when per-request variables remain. */
  render?: Render;
  /** late tells that `$upstream_addr` is used. */
  late: boolean;
  /** unknown are `$NAME`s that are neither a variable nor a set environment variable; they are sent as written. */
  unknown: string[];
  /** error says why an environment value cannot be sent in a header. */
  error?: string;
}

const VAR = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/**
 * compileHeaderValue reads `$name` and `${name}` in a header value, as pingap and nginx do: request variables (`$host`,
 * `$remote_addr`, `$http_user_agent`, …) are rendered per request, `$hostname` and environment variables once, here. A
 * name that is none of these stays as written (pingap sends it literally) and is reported in `unknown`.
 */
export function compileHeaderValue(text: string, env: NodeJS.ProcessEnv = process.env): CompiledValue {
  if (!text.includes('$')) return { value: text, late: false, unknown: [] };
  const parts: (string | Render)[] = [];
  const unknown: string[] = [];
  let error: string | undefined;
  let late = false;
  let last = 0;
  let lit = '';
  for (const m of text.matchAll(VAR)) {
    const name = m[1] ?? m[2]!;
    lit += text.slice(last, m.index);
    last = m.index + m[0].length;
    // Variables are lower-case, as in pingap, where `$HOST` is the environment variable HOST.
    const fixed = Object.hasOwn(HEADER_VARIABLES, name) ? HEADER_VARIABLES[name] : undefined;
    if (fixed) {
      if (lit) parts.push(lit);
      lit = '';
      parts.push(fixed);
      if (name === 'upstream_addr') late = true;
    } else if (name.startsWith('http_') && name.length > 5) {
      if (lit) parts.push(lit);
      lit = '';
      // As in nginx: `$http_user_agent` is the User-Agent header.
      const header = name.slice(5).toLowerCase().replaceAll('_', '-');
      parts.push((s) => s.header(header) ?? '');
    } else if (name === 'hostname') {
      lit += hostname();
    } else if (env[name] !== undefined) {
      const v = env[name]!;
      if (INVALID_VALUE.test(v)) error = `environment variable ${name} has a control character, which cannot be sent in a header`;
      lit += v;
    } else {
      unknown.push(m[0]);
      lit += m[0];
    }
  }
  lit += text.slice(last);
  if (lit) parts.push(lit);
  const out: CompiledValue = { value: parts.every((p) => typeof p === 'string') ? parts.join('') : text, late, unknown };
  if (error) out.error = error;
  if (parts.some((p) => typeof p !== 'string')) {
    if (parts.length === 1) out.render = parts[0] as Render;
    else
      out.render = (s) => {
        let v = '';
        for (const p of parts) v += typeof p === 'string' ? p : p(s);
        return v;
      };
  }
  return out;
}

/** compileHeaderLine turns a parsed `"Name:value"` rule into a templated one. */
export function compileHeaderLine(line: HeaderLine, env: NodeJS.ProcessEnv = process.env): TemplatedHeader {
  const c = compileHeaderValue(line.value, env);
  const out: TemplatedHeader = { ...line, value: c.value };
  if (c.render) out.render = c.render;
  if (c.late) out.late = true;
  return out;
}
