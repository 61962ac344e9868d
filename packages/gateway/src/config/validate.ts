import { isIP } from 'node:net';
import { accessSync, constants, readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { homedir } from 'node:os';
import type tls from 'node:tls';
import type { PluginDefinition } from '../plugins/plugin.ts';
import { builtinPlugins } from '../plugins/index.ts';
import { checkHostPort, formatHostPort, parseCidr, parseDuration, type HostPort } from '@etcd-monitor/core';
import { TOKEN, parseHeaderLine, type HeaderLine } from '../http1/headers.ts';
import { HEADER_VARIABLES, compileHeaderValue } from '../proxy/header-vars.ts';
import { isLogPath, parseAccessLogFormat } from '../observability/access-log.ts';
import { readFields, type ConfigIssue } from './fields.ts';
import { takePingapKeys, type PingapContext } from './pingap.ts';
import { closeMatch, didYouMean } from './suggest.ts';
import { parseRoute } from '../router/router.ts';
import { parseRewrite } from '../router/rewrite.ts';
import { validateAccounts } from '../privileges.ts';
import {
  ALGORITHMS,
  BASIC_FIELDS,
  CERTIFICATE_FIELDS,
  LOCATION_FIELDS,
  PLUGIN_COMMON_FIELDS,
  SERVER_FIELDS,
  UPSTREAM_FIELDS,
  type BasicConfig,
  type GatewayConfig,
  type LocationConfig,
  type PluginConfig,
  type ServerConfig,
  type UpstreamConfig,
  type Algorithm,
  type Cidr,
  type HealthCheckSpec,
  type ServerAddr,
  type TlsVersion,
} from './schema.ts';

export type { Algorithm, Cidr, HealthCheckSpec, Rewrite, ServerAddr } from './schema.ts';

/** parseServerAddr reads `"host:port"` or `"host:port weight"`; a missing port defaults to 80 (443 with TLS), except for a listener (`listen`), which needs one and may take port 0. */
export function parseServerAddr(text: string, tls = false, listen = false): ServerAddr | string {
  const parts = text.trim().split(/\s+/);
  if (parts.length > (listen ? 1 : 2) || parts[0] === '') return listen ? `"${text}" is not "host:port"` : `"${text}" is not "host:port" or "host:port weight"`;
  let weight = 1;
  if (parts[1] !== undefined) {
    weight = Number(parts[1]);
    if (!Number.isInteger(weight) || weight < 1 || weight > 10_000) return `weight "${parts[1]}" in "${text}" is not an integer between 1 and 10000`;
  }
  const hp = checkHostPort(parts[0]!, listen ? { allowPortZero: true } : { defaultPort: tls ? 443 : 80 });
  return typeof hp === 'string' ? hp : { ...hp, weight };
}

/** listenKey names a listen address as the gateway keys its listeners: `host:port` with the host lower-case (IPv6 in brackets). */
export function listenKey(host: string, port: number): string {
  return formatHostPort(host.toLowerCase(), port);
}

/** parseAlgorithm reads an `algorithm` value such as `round_robin` or `hash:header:X-User`. */
export function parseAlgorithm(text: string): Algorithm | string {
  if (text === 'round_robin' || text === 'weighted') return { kind: 'round_robin' };
  if (text === 'least_conn' || text === 'random') return { kind: text };
  const m = /^hash:(ip|url|path|header|cookie|query)(?::(.+))?$/.exec(text);
  if (!m) return `unknown algorithm "${text}"`;
  const on = m[1] as NonNullable<Algorithm['on']>;
  const keyed = on === 'header' || on === 'cookie' || on === 'query';
  if (keyed && !m[2]) return `"${text}" needs a name: hash:${on}:NAME`;
  if (!keyed && m[2]) return `"${text}" takes no name`;
  return keyed ? { kind: 'hash', on, key: m[2]! } : { kind: 'hash', on };
}

const HC_PARAMS = ['interval', 'check_frequency', 'timeout', 'connection_timeout', 'read_timeout', 'success', 'failure'];

/** parseHealthCheck reads a `health_check` URL with its tuning query parameters (pingap's `check_frequency`, `connection_timeout`, `read_timeout` are accepted); durations are read by core's parseDuration. */
export function parseHealthCheck(text: string, parseDur: (s: string) => number = parseDuration): HealthCheckSpec | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a URL`;
  }
  const protocol = url.protocol.slice(0, -1);
  if (protocol !== 'http' && protocol !== 'https' && protocol !== 'tcp') return `unsupported scheme "${url.protocol}" (use http://, https:// or tcp://)`;
  const spec: HealthCheckSpec = { protocol, hostHeader: url.host, path: '/', interval: 10_000, timeout: 3_000, success: 2, failure: 3 };
  const rest = new URLSearchParams();
  for (const [k, v] of url.searchParams) {
    try {
      if (k === 'interval' || k === 'check_frequency' || k === 'timeout' || k === 'connection_timeout' || k === 'read_timeout') {
        const ms = parseDur(v);
        // A zero interval would probe in a tight loop, a zero timeout fail every check.
        if (!(ms > 0)) return `${k}=${v} must be above zero`;
        if (k === 'interval' || k === 'check_frequency') spec.interval = ms;
        else spec.timeout = ms;
      } else if (k === 'success' || k === 'failure') {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) return `${k}=${v} must be a positive integer`;
        spec[k] = n;
      } else rest.append(k, v);
    } catch {
      return `${k}=${v} is not a duration (such as 5s)`;
    }
  }
  const q = rest.toString();
  spec.path = (url.pathname || '/') + (q ? `?${q}` : '');
  return spec;
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** categoryHint suggests a close plugin category and lists every known one, so a wrong `category` or `type` shows what exists. */
function categoryHint(category: string, known: Iterable<string>): string {
  const all = [...known].sort();
  if (all.length === 0) return 'no plugins are available';
  const close = closeMatch(category, all);
  return `${close ? `${close} ` : ''}known categories: ${all.join(', ')}`;
}

/** categoryKey says which key of a plugin entry names its category: `category`, else `type` (when `category` is absent), else none (the entry name). */
function categoryKey(v: Record<string, unknown>): 'category' | 'type' | undefined {
  return typeof v.category === 'string' ? 'category' : v.category === undefined && typeof v.type === 'string' ? 'type' : undefined;
}

/** pluginCategoriesOf maps every `[plugins.NAME]` written to its category, for plugins that name other plugins. */
function pluginCategoriesOf(raw: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const p = raw.plugins;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return out;
  for (const [name, v] of Object.entries(p)) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) continue;
    const key = categoryKey(v as Record<string, unknown>);
    out[name] = key ? String((v as Record<string, unknown>)[key]) : name;
  }
  return out;
}

/** upstreamNamesOf lists the `[upstreams.NAME]` written, valid or not, for plugins that name one. */
function upstreamNamesOf(raw: Record<string, unknown>): string[] {
  const u = raw.upstreams;
  return typeof u === 'object' && u !== null && !Array.isArray(u) ? Object.keys(u) : [];
}

const TOP_LEVEL = ['basic', 'upstreams', 'locations', 'servers', 'plugins', 'certificates', 'storages'];

function table(raw: unknown, path: string, issues: ConfigIssue[]): Record<string, unknown> {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ path, message: 'expected a table of named entries' });
    return {};
  }
  return raw as Record<string, unknown>;
}

/** headerRules reads `"Name:value"` rules (header values may hold variables, checked here), returning those that parse. */
function headerRules(list: string[], path: string, issues: ConfigIssue[], warnings: ConfigIssue[]): HeaderLine[] {
  const out: HeaderLine[] = [];
  list.forEach((h, i) => {
    const p = parseHeaderLine(h, true);
    if (typeof p === 'string') return void issues.push({ path: `${path}[${i}]`, message: p, hint: 'write "Name:value"' });
    const c = compileHeaderValue(p.value);
    if (c.error) issues.push({ path: `${path}[${i}]`, message: c.error });
    else out.push(p);
    if (c.unknown.length) {
      warnings.push({
        path: `${path}[${i}]`,
        message: `${c.unknown.join(', ')} is neither a header variable nor a set environment variable, so it is sent as written`,
        hint: `variables: ${[...Object.keys(HEADER_VARIABLES), 'hostname', 'http_NAME'].map((v) => `$${v}`).join(', ')}; write \${NAME} to end a name`,
      });
    }
    // pingap's ":field" values (its request context) have no equivalent here.
    if (/^:[a-z_]+$/.test(p.value))
      warnings.push({
        path: `${path}[${i}]`,
        message: `"${p.value}" is pingap's request context syntax, which is not supported: it is sent as written`,
        hint: 'use a $variable, or remove the rule',
      });
  });
  return out;
}

/** headerNames reads a list of headers to remove, returning their lower-case names; a value would not be read, so it is refused. */
function headerNames(list: string[], path: string, issues: ConfigIssue[]): string[] {
  const out: string[] = [];
  list.forEach((h, i) => {
    const p = parseHeaderLine(h, false);
    if (typeof p === 'string') issues.push({ path: `${path}[${i}]`, message: p, hint: 'write "Name"' });
    else if (h.includes(':')) issues.push({ path: `${path}[${i}]`, message: `"${h}" has a value, but a header is removed whatever its value`, hint: `write "${p.name}"` });
    else out.push(p.lower);
  });
  return out;
}

/** Certificate is a pingap `[certificates.NAME]` that can serve a listener. */
interface Certificate {
  name: string;
  cert: string;
  key: string;
  isDefault: boolean;
}

/** pemValue accepts what pingap does for a certificate or key: inline PEM, base64-encoded PEM, or a path (`~/` is the home directory). */
function pemValue(v: string, baseDir: string): string | undefined {
  if (v.includes('-----BEGIN')) return v;
  if (/^[A-Za-z0-9+/=\s]+$/.test(v) && v.length > 64) {
    const text = Buffer.from(v, 'base64').toString('utf8');
    if (text.includes('-----BEGIN')) return text;
  }
  const file = v.startsWith('~/') ? resolve(homedir(), v.slice(2)) : resolve(baseDir, v);
  return existsSync(file) ? file : undefined;
}

function readCertificates(raw: unknown, baseDir: string, issues: ConfigIssue[], warnings: ConfigIssue[]): Certificate[] {
  const out: Certificate[] = [];
  const pingap: PingapContext = { issues, warnings };
  for (const [name, value] of Object.entries(table(raw, 'certificates', issues))) {
    const path = `certificates.${name}`;
    const c = readFields(takePingapKeys('certificates', value, path, pingap), CERTIFICATE_FIELDS, path, issues) as { tls_cert?: string; tls_key?: string; is_default: boolean };
    if (c.tls_cert === undefined && c.tls_key === undefined) continue;
    if (c.tls_cert === undefined || c.tls_key === undefined) {
      issues.push({ path: `${path}.${c.tls_cert === undefined ? 'tls_cert' : 'tls_key'}`, message: 'is missing', hint: 'a certificate needs both tls_cert and tls_key' });
      continue;
    }
    const cert = pemValue(c.tls_cert, baseDir);
    const key = pemValue(c.tls_key, baseDir);
    if (cert === undefined) issues.push({ path: `${path}.tls_cert`, message: `"${c.tls_cert.slice(0, 60)}" is neither PEM, base64 PEM nor an existing file` });
    if (key === undefined) issues.push({ path: `${path}.tls_key`, message: `"${c.tls_key.slice(0, 60)}" is neither PEM, base64 PEM nor an existing file` });
    if (cert !== undefined && key !== undefined) out.push({ name, cert, key, isDefault: c.is_default });
  }
  return out;
}

const TLS_VERSIONS: Record<string, TlsVersion> = {
  'tls1.1': 'TLSv1.1',
  'tls1.2': 'TLSv1.2',
  'tls1.3': 'TLSv1.3',
  'tlsv1.1': 'TLSv1.1',
  'tlsv1.2': 'TLSv1.2',
  'tlsv1.3': 'TLSv1.3',
};

/** serverTls takes a `global_certificates` server's certificate from `[certificates]` and checks its TLS versions and ciphers. */
function serverTls(s: ServerConfig, path: string, certs: Certificate[], issues: ConfigIssue[], warnings: ConfigIssue[]): void {
  if (s.global_certificates && s.tls_cert === undefined && s.tls_key === undefined) {
    const defaults = certs.filter((c) => c.isDefault);
    const pick = certs.length === 1 ? certs[0] : defaults.length === 1 ? defaults[0] : undefined;
    if (pick) {
      s.tls_cert = pick.cert;
      s.tls_key = pick.key;
    } else if (certs.length === 0) {
      issues.push({
        path: `${path}.global_certificates`,
        message: 'no [certificates.NAME] has a tls_cert and tls_key (ACME is not supported)',
        hint: 'add one, or set tls_cert and tls_key on the server',
      });
    } else {
      issues.push({
        path: `${path}.global_certificates`,
        message: `${certs.length} certificates (${certs.map((c) => c.name).join(', ')}) would need selection by SNI, which is not supported`,
        hint: 'mark the one to serve with is_default = true, or set tls_cert and tls_key on the server',
      });
    }
  } else if (s.global_certificates) {
    warnings.push({
      path: `${path}.global_certificates`,
      message: "the server's own tls_cert and tls_key are used, not [certificates]",
      hint: "remove global_certificates or the server's tls_cert/tls_key",
    });
  }
  const hasTls = s.tls_cert !== undefined || s.global_certificates;
  for (const k of ['tls_min_version', 'tls_max_version'] as const) {
    // readFields left the version as written; the runtime gets Node's spelling.
    const v = s[k] as string | undefined;
    if (v === undefined) continue;
    const n = TLS_VERSIONS[v.toLowerCase()];
    if (n) s[k] = n;
    else {
      issues.push({ path: `${path}.${k}`, message: `unknown TLS version "${v}"`, hint: 'write "tls1.2" or "tls1.3"' });
      delete s[k];
    }
  }
  if (s.tls_min_version && s.tls_max_version && s.tls_min_version > s.tls_max_version)
    issues.push({ path: `${path}.tls_min_version`, message: `${s.tls_min_version} is newer than tls_max_version ${s.tls_max_version}` });
  const ciphers = tlsCiphers(s);
  if (ciphers !== undefined) {
    try {
      // node:tls costs ~8 MB, so it is loaded only for a config that sets ciphers.
      (process.getBuiltinModule('node:tls') as typeof tls).createSecureContext({ ciphers });
    } catch (err) {
      issues.push({ path: `${path}.${s.tls_cipher_list ? 'tls_cipher_list' : 'tls_ciphersuites'}`, message: `OpenSSL refuses the ciphers: ${(err as Error).message}` });
    }
  }
  if (!hasTls && (s.tls_min_version || s.tls_max_version || ciphers !== undefined))
    warnings.push({
      path: path,
      message: 'TLS versions or ciphers are set on a server without TLS: they have no effect',
      hint: 'set tls_cert and tls_key, or global_certificates',
    });
}

/** tlsCiphers joins `tls_ciphersuites` (TLS 1.3) and `tls_cipher_list` into Node's one `ciphers` string, or undefined for Node's default. */
export function tlsCiphers(s: ServerConfig): string | undefined {
  const c = [s.tls_ciphersuites, s.tls_cipher_list].filter((x) => x !== undefined && x !== '').join(':');
  return c === '' ? undefined : c;
}

/** tlsServerOptions are a server's TLS version and cipher settings in Node's terms. */
export function tlsServerOptions(s: ServerConfig): { minVersion?: TlsVersion; maxVersion?: TlsVersion; ciphers?: string } {
  const out: ReturnType<typeof tlsServerOptions> = {};
  if (s.tls_min_version) out.minVersion = s.tls_min_version;
  if (s.tls_max_version) out.maxVersion = s.tls_max_version;
  const c = tlsCiphers(s);
  if (c !== undefined) out.ciphers = c;
  return out;
}

/** ValidationResult is a typed config with its errors (the config is only usable when there are none) and warnings. */
export interface ValidationResult {
  /** config is the typed config, complete only when `issues` is empty. */
  config: GatewayConfig;
  /** issues are the errors that make the config unusable. */
  issues: ConfigIssue[];
  /** warnings are problems the gateway works around. */
  warnings: ConfigIssue[];
}

/** ValidateOptions says where relative paths start and which plugins exist. */
export interface ValidateOptions {
  /** baseDir resolves relative paths such as `error_template` (default: the current directory). */
  baseDir?: string;
  /** plugins are the known plugin types (default: the built-ins). */
  plugins?: ReadonlyMap<string, PluginDefinition>;
}

/** validateConfig checks a parsed TOML document and returns the typed config and every issue found (the config is only usable when there are none). */
export function validateConfig(raw: Record<string, unknown>, opts: ValidateOptions = {}): ValidationResult {
  const issues: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const plugins = opts.plugins ?? builtinPlugins;
  const baseDir = opts.baseDir ?? process.cwd();
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL.includes(key)) issues.push({ path: key, message: 'unknown section', hint: didYouMean(key, TOP_LEVEL) ?? '' });
  }

  const pingap: PingapContext = { issues, warnings };
  const basic = readFields(takePingapKeys('basic', raw.basic ?? {}, 'basic', pingap), BASIC_FIELDS, 'basic', issues) as unknown as BasicConfig;
  validateAccounts(basic, issues);
  if (basic.admin_addr) {
    const a = checkHostPort(basic.admin_addr, { allowPortZero: true });
    if (typeof a === 'string') issues.push({ path: 'basic.admin_addr', message: a, hint: 'write "127.0.0.1:6188", or "" to disable the admin listener' });
    // One spelling per address, so that a reload that rewrites it (06188 for 6188) is not taken for a move to another listener.
    else basic.admin_addr = listenKey(a.host, a.port);
  }
  const proxies: Cidr[] = [];
  ((basic.trusted_proxies ?? []) as unknown as string[]).forEach((p, i) => {
    const c = parseCidr(p);
    if (c) proxies.push(c);
    else issues.push({ path: `basic.trusted_proxies[${i}]`, message: `"${p}" is not an IP address or CIDR range`, hint: 'write "10.0.0.1" or "10.0.0.0/8"' });
  });
  basic.trusted_proxies = proxies;
  // The name is sent in every Via header, where it is a token; anything else would make each request fail upstream.
  if (basic.name !== undefined && !TOKEN.test(basic.name))
    issues.push({ path: 'basic.name', message: `"${basic.name}" cannot be sent in the Via header`, hint: 'use letters, digits, "-", "_" or "." only, such as "edge-1"' });

  const upstreams: Record<string, UpstreamConfig> = {};
  for (const [name, value] of Object.entries(table(raw.upstreams, 'upstreams', issues))) {
    const path = `upstreams.${name}`;
    const u = readFields(takePingapKeys('upstreams', value, path, pingap), UPSTREAM_FIELDS, path, issues) as unknown as UpstreamConfig;
    // pingap has no `tls` key: an upstream with an SNI speaks TLS. Plain HTTP to a TLS port would fail on every request.
    if (u.sni !== undefined && u.sni !== '') {
      if ((value as Record<string, unknown>).tls === false)
        issues.push({ path: `${path}.tls`, message: `is false, but sni = "${u.sni}" means TLS`, hint: 'remove sni to connect without TLS, or remove tls = false' });
      else u.tls = true;
    }
    // readFields left `addrs`, `algorithm` and `health_check` as written; the runtime gets them parsed, and only when they parse.
    const written = u as unknown as { addrs?: string[]; algorithm?: string; health_check?: string };
    let hostnames = false;
    const addrs: ServerAddr[] = [];
    (written.addrs ?? []).forEach((a, i) => {
      const p = parseServerAddr(a, u.tls);
      if (typeof p === 'string') issues.push({ path: `${path}.addrs[${i}]`, message: p, hint: 'write "127.0.0.1:8080" or "127.0.0.1:8080 10" (weight 10)' });
      else {
        addrs.push(p);
        if (!isIP(p.host)) hostnames = true;
      }
    });
    if (written.addrs && written.addrs.length === 0) issues.push({ path: `${path}.addrs`, message: 'is empty', hint: 'list at least one "host:port"' });
    u.addrs = addrs;
    const alg = parseAlgorithm(written.algorithm ?? 'round_robin');
    if (typeof alg === 'string') issues.push({ path: `${path}.algorithm`, message: alg, hint: didYouMean(written.algorithm ?? '', ALGORITHMS) ?? '' });
    else u.algorithm = alg;
    u.discovery ??= hostnames ? 'dns' : 'static';
    if (written.health_check !== undefined) {
      const hc = written.health_check === '' ? undefined : parseHealthCheck(written.health_check);
      if (typeof hc === 'string') issues.push({ path: `${path}.health_check`, message: hc, hint: `accepted parameters: ${HC_PARAMS.join(', ')}` });
      if (hc === undefined || typeof hc === 'string') delete u.health_check;
      else u.health_check = hc;
    }
    upstreams[name] = u;
  }

  const pluginConfigs: Record<string, PluginConfig> = {};
  const pluginCategories = pluginCategoriesOf(raw);
  for (const [name, value] of Object.entries(table(raw.plugins, 'plugins', issues))) {
    const path = `plugins.${name}`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      issues.push({ path, message: 'expected a table' });
      continue;
    }
    const v = value as Record<string, unknown>;
    // `category` names the plugin (pingap); without it `type` does (the product spec), else the entry name. Beside a
    // `category`, `type` is one of the plugin's own options (pingap's limit plugin: type = "rate" | "inflight").
    const named = categoryKey(v);
    const category = named ? (v[named] as string) : name;
    const def = plugins.get(category);
    if (!def) {
      issues.push({ path: named ? `${path}.${named}` : path, message: `unknown plugin category "${category}"`, hint: categoryHint(category, plugins.keys()) });
      continue;
    }
    const common = readFields(Object.fromEntries(Object.entries(v).filter(([k]) => k in PLUGIN_COMMON_FIELDS)), PLUGIN_COMMON_FIELDS, path, issues);
    if ('step' in v)
      warnings.push({ path: `${path}.step`, message: "is pingap's and has no effect here: each plugin runs at its own fixed step", hint: 'remove it to silence this warning' });
    const own = Object.fromEntries(Object.entries(v).filter(([k]) => !(k in PLUGIN_COMMON_FIELDS) && k !== 'step' && !(k === 'type' && named === 'type')));
    const options = readFields(own, def.fields, path, issues);
    // readFields suggests only among the plugin's own keys; the common ones are valid too.
    // validate receives the options typed by their specs, so it runs only once every required option has a value.
    if (Object.entries(def.fields).every(([k, spec]) => !spec.required || options[k] !== undefined))
      def.validate?.(options, path, issues, { upstreams: upstreamNamesOf(raw), plugins: pluginCategories });
    pluginConfigs[name] = { category, priority: Number(common.priority ?? 0), options };
  }

  const locations: Record<string, LocationConfig> = {};
  const upstreamNames = Object.keys(upstreams);
  const rawPluginNames = Object.keys(table(raw.plugins, 'plugins', []));
  for (const [name, value] of Object.entries(table(raw.locations, 'locations', issues))) {
    const path = `locations.${name}`;
    const l = readFields(takePingapKeys('locations', value, path, pingap), LOCATION_FIELDS, path, issues) as unknown as LocationConfig;
    if (l.upstream !== undefined && !upstreams[l.upstream] && !(raw.upstreams as Record<string, unknown> | undefined)?.[l.upstream]) {
      issues.push({
        path: `${path}.upstream`,
        message: `unknown upstream "${l.upstream}"`,
        hint: closeMatch(l.upstream, upstreamNames) ?? `define it under [upstreams.${l.upstream}]`,
      });
    }
    (l.plugins ?? []).forEach((p, i) => {
      if (!rawPluginNames.includes(p)) {
        issues.push({ path: `${path}.plugins[${i}]`, message: `unknown plugin "${p}"`, hint: closeMatch(p, rawPluginNames) ?? `define it under [plugins.${p}]` });
      }
    });
    // readFields left the match criteria, `rewrite` and the header rules as written; the runtime gets them parsed, and only when they parse.
    const written = l as unknown as { host?: string; path?: string; headers?: string[]; query?: string[]; weight?: number; rewrite?: string } & Record<
      'headers_add' | 'headers_set' | 'headers_remove' | 'response_headers_add' | 'response_headers_set' | 'response_headers_remove',
      string[] | undefined
    >;
    const route = parseRoute({ host: written.host, path: written.path ?? '', headers: written.headers ?? [], query: written.query ?? [], weight: written.weight });
    for (const i of route.issues) issues.push({ path: `${path}.${i.field}`, message: i.message, ...(i.hint ? { hint: i.hint } : {}) });
    Object.assign(l, route.match);
    if (written.rewrite !== undefined) {
      const r = parseRewrite(written.rewrite, route.match.path);
      if (typeof r === 'string') {
        issues.push({ path: `${path}.rewrite`, message: r, hint: 'write "REGEX REPLACEMENT", such as "^/api/(.*)$ /$1"' });
        delete l.rewrite;
      } else l.rewrite = r;
    }
    l.headers_add = headerRules(written.headers_add ?? [], `${path}.headers_add`, issues, warnings);
    l.headers_set = headerRules(written.headers_set ?? [], `${path}.headers_set`, issues, warnings);
    l.headers_remove = headerNames(written.headers_remove ?? [], `${path}.headers_remove`, issues);
    l.response_headers_add = headerRules(written.response_headers_add ?? [], `${path}.response_headers_add`, issues, warnings);
    l.response_headers_set = headerRules(written.response_headers_set ?? [], `${path}.response_headers_set`, issues, warnings);
    l.response_headers_remove = headerNames(written.response_headers_remove ?? [], `${path}.response_headers_remove`, issues);
    locations[name] = l;
  }

  const certs = readCertificates(raw.certificates, baseDir, issues, warnings);
  for (const name of Object.keys(table(raw.storages, 'storages', issues))) {
    warnings.push({
      path: `storages.${name}`,
      message: "pingap's storages feed includes and secrets, which are not read here: it has no effect",
      hint: 'remove it to silence this warning',
    });
  }
  const servers: Record<string, ServerConfig> = {};
  const locationNames = Object.keys(table(raw.locations, 'locations', []));
  const listenBy = new Map<string, string>();
  for (const [name, value] of Object.entries(table(raw.servers, 'servers', issues))) {
    const path = `servers.${name}`;
    const s = readFields(takePingapKeys('servers', value, path, pingap), SERVER_FIELDS, path, issues) as unknown as ServerConfig;
    serverTls(s, path, certs, issues, warnings);
    // readFields left addr as written; the runtime gets the addresses parsed. Two spellings of one address (a leading zero
    // in the port, the host's case) are one listener, so they are compared as the runtime keys its listeners.
    const addr = s.addr as unknown as string | undefined;
    const listen: HostPort[] = [];
    for (const a of (addr ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== '' || addr === '')) {
      const p = parseServerAddr(a, false, true);
      if (typeof p === 'string') {
        issues.push({ path: `${path}.addr`, message: p, hint: 'write "0.0.0.0:80" or "127.0.0.1:8080,[::1]:8080"' });
        continue;
      }
      const key = listenKey(p.host, p.port);
      if (p.port !== 0 && listenBy.has(key))
        issues.push({
          path: `${path}.addr`,
          message: `"${a}" is already used by servers.${listenBy.get(key)}`,
          hint: "give each server its own address, or put both servers' locations in one",
        });
      else {
        listenBy.set(key, name);
        listen.push({ host: p.host, port: p.port });
      }
    }
    s.addr = listen;
    (s.locations ?? []).forEach((l, i) => {
      if (!locationNames.includes(l))
        issues.push({ path: `${path}.locations[${i}]`, message: `unknown location "${l}"`, hint: closeMatch(l, locationNames) ?? `define it under [locations.${l}]` });
    });
    // readFields left access_log as written; the runtime gets the file and the parsed format.
    const log = s.access_log as unknown as string | undefined;
    if (log !== undefined && log !== '') {
      const file = isLogPath(log);
      const format = parseAccessLogFormat(file ? (s.access_log_format ?? 'combined') : log, `${path}.${file ? 'access_log_format' : 'access_log'}`, issues);
      s.access_log = file ? { file: log, format } : { format };
    } else delete s.access_log;
    if ((s.tls_cert === undefined) !== (s.tls_key === undefined)) {
      issues.push({ path: `${path}.${s.tls_cert === undefined ? 'tls_cert' : 'tls_key'}`, message: 'is missing', hint: 'TLS needs both tls_cert and tls_key' });
    }
    for (const k of ['tls_cert', 'tls_key'] as const) {
      const v = s[k];
      if (v === undefined || v.includes('-----BEGIN')) continue;
      const file = resolve(baseDir, v);
      if (!existsSync(file)) issues.push({ path: `${path}.${k}`, message: `file "${v}" does not exist` });
      else if (!readable(file))
        issues.push({
          path: `${path}.${k}`,
          message: `cannot read "${v}" (${file}): EACCES (permission denied)`,
          hint: 'the gateway reads it as the account that starts it (root when it switches to basic.user), and hands it to the workers',
        });
    }
    servers[name] = s;
  }
  if (Object.keys(servers).length === 0 && raw.servers === undefined) {
    issues.push({ path: 'servers', message: 'no server is defined', hint: 'add [servers.main] with addr = "0.0.0.0:8080" and locations = [...]' });
  }

  const config: GatewayConfig = { basic, upstreams, locations, servers, plugins: pluginConfigs };
  if (basic.error_template) {
    const file = resolve(baseDir, basic.error_template);
    try {
      config.errorTemplate = readFileSync(file, 'utf8');
    } catch {
      // A missing page must not keep a gateway down: the built-in page is served instead.
      warnings.push({
        path: 'basic.error_template',
        message: `cannot read "${basic.error_template}" (looked at ${file}); the built-in error page is used`,
        hint: 'give a path relative to the config file',
      });
    }
  }
  return { config, issues, warnings };
}
