// pingap's config keys and what this gateway does with each: the validator reads this table to accept, convert, ignore
// (with a warning) or refuse them, and docs/pingap-compatibility.md is generated from it.
import { fileURLToPath } from 'node:url';
import type { ConfigIssue } from './fields.ts';
import { builtinPlugins } from '../plugins/index.ts';

/** PingapState is how the gateway treats a pingap key: read as its own (`supported`), rewritten onto its own keys (`converted`), accepted with a warning and no effect (`ignored`), or a config error (`refused`). */
export type PingapState = 'supported' | 'converted' | 'ignored' | 'refused';

/** PingapKey is one pingap key with its state here and a note: what it maps onto, or why it is ignored or refused. */
export interface PingapKey {
  /** state is how the key is treated. */
  state: PingapState;
  /** note explains the state in one sentence. */
  note: string;
}

/** PingapSection names a table of pingap's config. */
export type PingapSection = 'basic' | 'upstreams' | 'locations' | 'servers' | 'plugins' | 'certificates' | 'storages';

const ok = (note = ''): PingapKey => ({ state: 'supported', note });
const conv = (note: string): PingapKey => ({ state: 'converted', note });
const ign = (note: string): PingapKey => ({ state: 'ignored', note });
const ref = (note: string): PingapKey => ({ state: 'refused', note });

const TCP_KEEPALIVE = 'TCP keepalive tuning is not exposed by Node (only the idle delay, for all sockets); the kernel defaults apply';

/** PINGAP_KEYS lists every key of pingap's config (pingap-config's structs, read from its newest source) by section. */
export const PINGAP_KEYS: Record<PingapSection, Record<string, PingapKey>> = {
  basic: {
    name: ok('sent in `Via`, logs and metrics; must be a token'),
    error_template: ok(),
    pid_file: ok(),
    error_log: ign('it names the file a daemonized pingap sends its stderr to; this gateway does not daemonize (run it under systemd or similar)'),
    upgrade_sock: ok('accepted with no effect: there is no binary upgrade; reload in place, restart for a new version'),
    user: ok(),
    group: ok(),
    threads: ok('worker processes; 0 is one per core'),
    work_stealing: ign('a Tokio scheduler setting; workers here are processes'),
    listener_tasks_per_fd: ign('a Tokio accept setting; the kernel spreads connections over the workers'),
    grace_period: ok('how long shutdown waits for requests in flight'),
    graceful_shutdown_timeout: conv('read as `grace_period` (one drain time)'),
    upstream_keepalive_pool_size: ign('idle upstream connections are bounded per server by `idle_timeout` and `max_connections`'),
    trusted_proxies: ok('with an empty list the connection address is the client address, where pingap believes `X-Forwarded-For` from anyone'),
    webhook: ign('no webhook notifications'),
    webhook_type: ign('no webhook notifications'),
    webhook_notifications: ign('no webhook notifications'),
    log_level: ok(),
    log_buffered_size: ign('the process log is written unbuffered'),
    log_format_json: conv('`true` is what the process log always is (JSON); `false` is ignored with a warning'),
    sentry: ign('no Sentry reporting'),
    pyroscope: ign('no Pyroscope profiling'),
    auto_restart_check_interval: ign('the config is reloaded in place on change (`watch`) or SIGHUP; nothing restarts'),
    log_compress_algorithm: ign('no log compression; rotate with `access_log_rotate` and compress with logrotate'),
    log_compress_level: ign('no log compression'),
    log_compress_days_ago: ign('no log compression'),
    log_compress_time_point_hour: ign('no log compression'),
  },
  upstreams: {
    addrs: ok(),
    discovery: ok('`static` and `dns`; `docker` and `transparent` are refused (not implemented)'),
    dns_server: ign('hostnames are resolved by the system resolver'),
    dns_domain: ign('hostnames are resolved by the system resolver, as written'),
    dns_search: ign('hostnames are resolved by the system resolver, as written'),
    update_frequency: ok(),
    algo: conv('read as `algorithm`; the same values'),
    sni: ok('turns TLS on, as in pingap'),
    verify_cert: ok(),
    health_check: ok('`check_frequency`, `connection_timeout` and `read_timeout` parameters too'),
    ipv4_only: ok(),
    enable_tracer: ign('no tracing'),
    enable_backend_stats: ign('no backend statistics (the breaker keeps its own counts)'),
    backend_failure_status_code: ign('a failure is a connect error, reset, timeout or a 502/503/504 answer'),
    circuit_break_max_consecutive_failures: conv('read as `breaker_failures`'),
    circuit_break_max_failure_percent: conv('divided by 100 into `breaker_failure_ratio`'),
    circuit_break_min_requests_threshold: conv(
      'read as `breaker_window`: the ratio is judged over the last N requests, once N were made (pingap judges it over `backend_stats_interval` once N were made)',
    ),
    circuit_break_half_open_consecutive_success_threshold: conv('read as `breaker_half_open_requests` (probes that must all succeed)'),
    circuit_break_open_duration: conv('read as `breaker_open_duration`'),
    backend_stats_interval: ign('no backend statistics; see `circuit_break_min_requests_threshold`'),
    alpn: conv('upstreams are spoken to in HTTP/1.1: `h1` is that, `h2h1` is accepted with a warning (HTTP/1.1 is one of its choices), `h2` is refused'),
    max_h2_streams: ign('only applies to HTTP/2 upstreams, which are not supported'),
    connection_timeout: ok(),
    total_connection_timeout: ign('`connection_timeout` bounds connecting'),
    read_timeout: ok(),
    idle_timeout: ok(),
    write_timeout: ok(),
    tcp_idle: ign(TCP_KEEPALIVE),
    tcp_interval: ign(TCP_KEEPALIVE),
    tcp_user_timeout: ign(TCP_KEEPALIVE),
    tcp_probe_count: ign(TCP_KEEPALIVE),
    tcp_recv_buf: ign('the kernel sizes socket buffers'),
    tcp_fast_open: ign('Node does not expose TCP Fast Open'),
    includes: ref('includes pull keys from `[storages]`, which are not read; write the keys in place'),
    remark: ok(),
  },
  locations: {
    upstream: ok("pingap's `$VAR` upstream names are not supported (unknown upstream)"),
    path: ok(),
    host: ok(),
    match_headers: conv('added to `headers` as exact matches (`"Name:value"`) or presence (`"Name"`), as in pingap'),
    match_query: conv('added to `query` as exact matches (`"name:value"` becomes `"name=value"`) or presence'),
    match_cookies: conv('added to `headers` as a match on the `Cookie` header: the cookie present, or with exactly that value'),
    proxy_set_headers: conv("read as `headers_set`; values may hold pingap's variables"),
    proxy_add_headers: conv("read as `headers_add`; values may hold pingap's variables"),
    rewrite: ok('`"REGEX REPLACEMENT"` as in pingap; a single value replaces the matched prefix here, where pingap treats it as a regex replaced by nothing'),
    weight: conv(
      "pingap's match weight: it replaces the weight computed from `path` and `host`, so locations are tried in pingap's order (see Routing in the configuration reference; `priority` still wins over it)",
    ),
    plugins: ok(),
    client_max_body_size: ok(),
    max_processing: ign('no per-location concurrency limit'),
    includes: ref('includes pull keys from `[storages]`, which are not read; write the keys in place'),
    grpc_web: conv('`false` is accepted; `true` is refused (no gRPC-Web translation)'),
    enable_reverse_proxy_headers: ok('on by default here (off in pingap), and it adds `X-Forwarded-For`/`-Proto`/`-Host` and `Via`, not `X-Real-IP`/`X-Forwarded-Port`'),
    max_retries: ok("overrides the upstream's `retries`"),
    max_retry_window: ign('retries are bounded by count (`max_retries`, `retries`) and `connection_timeout`'),
    remark: ok(),
  },
  servers: {
    addr: ok(),
    access_log: ok(),
    locations: ok(),
    threads: ok('accepted with no effect: the worker count is `basic.threads`'),
    tls_cipher_list: ok(),
    tls_ciphersuites: ok(),
    tls_min_version: ok('`tls1.1`, `tls1.2`, `tls1.3` (or `TLSv1.2`…)'),
    tls_max_version: ok('`tls1.1`, `tls1.2`, `tls1.3` (or `TLSv1.2`…)'),
    global_certificates: conv('the listener takes its certificate from `[certificates]` (one certificate, no selection by SNI)'),
    enabled_h2: ok('h2c on a plain listener only when `true`, as in pingap; on a TLS listener h2 is offered by ALPN unless `false` (pingap: only when `true`)'),
    tcp_idle: ign(TCP_KEEPALIVE),
    tcp_interval: ign(TCP_KEEPALIVE),
    tcp_user_timeout: ign(TCP_KEEPALIVE),
    downstream_read_timeout: ign('client reads are bounded by `headers_timeout`, `request_timeout` and `keepalive_timeout`'),
    downstream_write_timeout: ign('a client that reads nothing is cut after `keepalive_timeout`'),
    tcp_probe_count: ign(TCP_KEEPALIVE),
    tcp_fastopen: ign('Node does not expose TCP Fast Open'),
    reuse_port: ok('accepted with no effect: workers share the listeners through node:cluster'),
    prometheus_metrics: ign('metrics are served by the admin listener at `/metrics` (no push gateway)'),
    otlp_exporter: ign('no OpenTelemetry export'),
    includes: ref('includes pull keys from `[storages]`, which are not read; write the keys in place'),
    modules: conv('an empty list is accepted; `grpc-web` is refused (no gRPC-Web translation)'),
    enable_server_timing: ign('no `Server-Timing` header'),
    remark: ok(),
  },
  plugins: {
    category: ok('the categories that exist here are in [Plugin categories](#plugin-categories); others are config errors (unknown plugin category)'),
    step: ign('each plugin runs at its own fixed step'),
    remark: ok(),
    'request_id: header_name': conv('read as `header`'),
    'request_id: algorithm, size': ok(),
    'mock: path, status, headers, data, delay': ok(),
    'compression: gzip_level, br_level, zstd_level, min_length, decompression': ok(),
    'compression: mode': conv('both modes compress the body as it streams, with the content-type and min_length rules of pingap’s upstream mode'),
    'cache: directory, namespace, headers, max_ttl, max_file_size, lock, check_cache_control, purge_ip_list, skip': ok(
      '`directory` is `memory://…?max_size=…` or a disk tier behind the memory one',
    ),
    'cache: eviction, predictor': conv('accepted; both tiers always evict least recently used entries, and there is no predictor'),
    'jwt: header, cookie, query, secret, algorithm, public_key, jwks_url, jwks_ttl, delay': ok(
      'the first of header, cookie and query holding a token is used (pingap reads one); with none of them set, the `Authorization` header',
    ),
    'jwt: auth_path': ref('tokens are not minted from an upstream’s answer'),
    'key_auth: header, query, keys, delay': ok('with both `header` and `query` set, either may carry the key (pingap reads only `query`)'),
    'key_auth: hide_credentials': ok('defaults to `true` (pingap: `false`): write `hide_credentials = false` for an upstream that needs the key'),
    'basic_auth: authorizations, delay': ok('bcrypt/argon2 `htpasswd` lines, `realm` and `user_header` are added'),
    'basic_auth: hide_credentials': ok('defaults to `true` (pingap: `false`)'),
    'forward_auth: auth_url, request_headers, add_headers, timeout': ok('no answer within `timeout` is a 504 (pingap: 502)'),
    'combined_auth: authorizations': ref(
      'pingap’s app_id/ts/digest query signature is not supported; here `combined_auth` lets any of several authentication plugins (`plugins = [...]`) accept a request',
    ),
  },
  certificates: {
    domains: ok('informational: one certificate serves a listener, whatever the SNI'),
    tls_cert: ok('file path, inline PEM or base64 PEM'),
    tls_key: ok('file path, inline PEM or base64 PEM'),
    is_default: ok('picks the certificate when several have a `tls_cert`'),
    is_ca: ign('no certificates are issued here'),
    acme: ign('no ACME: a certificate without `tls_cert` cannot serve a listener'),
    dns_challenge: ign('no ACME'),
    dns_provider: ign('no ACME'),
    dns_service_url: ign('no ACME'),
    buffer_days: ign('no ACME renewal'),
    remark: ok(),
  },
  storages: {
    category: ign('storages feed `includes` and secrets, which are not read'),
    value: ign('storages are not read'),
    secret: ign('storages are not read'),
    remark: ign('storages are not read'),
    created_at: ign('storages are not read'),
  },
};

/**
 * PINGAP_PLUGIN_CATEGORIES lists every plugin category pingap registers (its `register_plugin!` calls and the two in its
 * main crate, read from its newest source) with a note: for one this gateway lacks, what to use instead; for one it has,
 * where it differs. Whether a category exists here is read from the plugin registry, so the doc cannot claim one that is not.
 */
export const PINGAP_PLUGIN_CATEGORIES: Record<string, string> = {
  accept_encoding: 'rewrites `Accept-Encoding` to one preferred encoding; `compression` already picks by the client’s q-values',
  admin: 'pingap’s web admin UI; the gateway’s admin API is `basic.admin_addr`, and etcd-monitor’s UI is separate',
  basic_auth: '',
  cache: '',
  combined_auth:
    'a different plugin under the same name: here it lets any of several authentication entries accept a request; pingap’s app_id/ts/digest signature (`authorizations`) is refused',
  compression: '',
  cors: '',
  csrf: '',
  directory: '',
  forward_auth: '',
  geo_restriction: 'no GeoIP database is read; use `ip_restriction` with the networks, or the load balancer in front',
  image_optim: 'no image re-encoding',
  ip_restriction: '',
  jwt: '',
  key_auth: '',
  limit: '',
  mock: '',
  ping: '',
  redirect: '',
  referer_restriction: '',
  request_id: '',
  response_headers: '',
  stats: '',
  sub_filter: 'no rewriting of response bodies',
  traffic_splitting: 'also spelled `traffic_split` here',
  ua_restriction: '',
};

/** pluginCategoriesSection renders the plugin categories of pingap and of this gateway from PINGAP_PLUGIN_CATEGORIES and the registry. */
function pluginCategoriesSection(): string {
  const readme = (category: string) => {
    const folder = builtinPlugins.get(category)!.category;
    return `[README](../packages/gateway/src/plugins/${folder}/README.md)`;
  };
  const rows = Object.entries(PINGAP_PLUGIN_CATEGORIES).map(([category, note]) => {
    const here = builtinPlugins.has(category);
    return `| \`${category}\` | ${here ? 'supported' : 'not supported (unknown category)'} | ${[here ? readme(category) : '', note].filter(Boolean).join('; ')} |`;
  });
  // A category is pingap's when it, or another name of the same plugin (traffic_split, traffic_splitting), is in pingap's list.
  const pingaps = new Set(Object.keys(PINGAP_PLUGIN_CATEGORIES).map((c) => builtinPlugins.get(c)));
  const own = [...builtinPlugins.keys()].filter((c) => !pingaps.has(builtinPlugins.get(c)));
  const supported = Object.keys(PINGAP_PLUGIN_CATEGORIES).filter((c) => builtinPlugins.has(c)).length;
  return `## Plugin categories

${supported} of pingap's ${Object.keys(PINGAP_PLUGIN_CATEGORIES).length} plugin categories exist here (this table is generated from the plugin registry,
\`packages/gateway/src/plugins/index.ts\`). A \`[plugins.NAME]\` entry of a category that does not exist is a config error
at \`plugins.NAME.category\` that lists the known categories, not a warning: a request would otherwise pass a check it
was meant to meet. The options of each plugin, with pingap's where they differ, are in its README and in the
\`[plugins]\` table below; all plugins are described in [gateway-plugins.md](gateway-plugins.md).

| pingap category | here | notes |
|---|---|---|
${rows.join('\n')}

Categories here that pingap does not have: ${own.map((c) => `\`${c}\` (${readme(c)})`).join(', ')}; and your own, from \`basic.plugin_dir\`.`;
}

/** PingapContext collects what reading pingap keys finds. */
export interface PingapContext {
  /** issues are errors. */
  issues: ConfigIssue[];
  /** warnings are keys accepted without effect. */
  warnings: ConfigIssue[];
}

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function strings(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** exactValue writes a pingap exact match in this gateway's syntax, where a leading `~` would mean a regex. */
function exactValue(v: string): string {
  return v.startsWith('~') ? `~^${escapeRegex(v)}$` : v;
}

/**
 * takePingapKeys reads the pingap-only keys of one table: ignored keys become warnings, refused ones errors, converted
 * ones are rewritten onto this gateway's keys. It returns the table left for the field specs (the input is not changed).
 */
export function takePingapKeys(section: PingapSection, raw: unknown, path: string, ctx: PingapContext): unknown {
  if (!isTable(raw)) return raw;
  const keys = PINGAP_KEYS[section];
  const out: Record<string, unknown> = { ...raw };
  const warn = (key: string, message: string, hint = 'remove it to silence this warning') => ctx.warnings.push({ path: `${path}.${key}`, message, hint });
  const refuse = (key: string, message: string, hint = 'remove it') => ctx.issues.push({ path: `${path}.${key}`, message, hint });
  for (const key of Object.keys(raw)) {
    const k = keys[key];
    if (!k) continue;
    if (k.state === 'ignored') {
      warn(key, `is pingap's and has no effect here: ${k.note}`);
      delete out[key];
    } else if (k.state === 'refused') {
      refuse(key, `is pingap's and not supported: ${k.note}`);
      delete out[key];
    }
  }
  const v = raw;
  if (section === 'basic' && 'log_format_json' in v) {
    if (v.log_format_json === false) warn('log_format_json', 'is false, but the process log is always JSON here');
    else if (v.log_format_json !== true) refuse('log_format_json', 'expected true or false');
    delete out.log_format_json;
  }
  if (section === 'upstreams') {
    if (v.discovery === 'docker' || v.discovery === 'transparent') {
      refuse('discovery', `pingap's "${v.discovery}" discovery is not supported`, 'use "static" or "dns"');
      delete out.discovery;
    }
    if ('circuit_break_max_failure_percent' in v) {
      const p = v.circuit_break_max_failure_percent;
      if (typeof p !== 'number' || p < 0 || p > 100) refuse('circuit_break_max_failure_percent', 'expected a percentage from 0 to 100', 'such as 50');
      else if (!('breaker_failure_ratio' in v)) out.breaker_failure_ratio = p / 100;
      delete out.circuit_break_max_failure_percent;
    }
    if ('alpn' in v) {
      const a = typeof v.alpn === 'string' ? v.alpn.toLowerCase() : '';
      if (a === 'h2h1') warn('alpn', '"h2h1" offers HTTP/2 or HTTP/1.1; upstreams are spoken to in HTTP/1.1 here', 'write "h1"');
      else if (a === 'h2') refuse('alpn', '"h2" needs HTTP/2 to the upstream, which is not supported (HTTP/1.1 only)', 'write "h1", or use an upstream that speaks HTTP/1.1');
      else if (a !== 'h1') refuse('alpn', `unknown value ${JSON.stringify(v.alpn)}`, 'write "h1"');
      delete out.alpn;
    }
  }
  if (section === 'locations') {
    const headers = [...(strings(v.headers) ?? [])];
    const query = [...(strings(v.query) ?? [])];
    for (const key of ['match_headers', 'match_query', 'match_cookies'] as const) {
      if (!(key in v)) continue;
      delete out[key];
      const list = strings(v[key]);
      if (!list) {
        refuse(key, 'expected an array of strings', 'write ["name:value", "name"]');
        continue;
      }
      for (const item of list.map((x) => x.trim()).filter(Boolean)) {
        const i = item.indexOf(':');
        const name = (i < 0 ? item : item.slice(0, i)).trim();
        const value = i < 0 ? undefined : item.slice(i + 1).trim();
        if (key === 'match_headers') headers.push(value === undefined ? name : `${name}:${exactValue(value)}`);
        else if (key === 'match_query') query.push(value === undefined ? name : `${name}=${exactValue(value)}`);
        else headers.push(`Cookie:~(?:^|;\\s*)${escapeRegex(name)}=${value === undefined ? '' : `${escapeRegex(value)}(?:;|$)`}`);
      }
    }
    if (headers.length) out.headers = headers;
    if (query.length) out.query = query;
    if ('grpc_web' in v) {
      if (v.grpc_web === true) refuse('grpc_web', 'gRPC-Web translation is not supported', 'remove it, and let the upstream speak gRPC-Web itself');
      else if (v.grpc_web !== false) refuse('grpc_web', 'expected true or false');
      delete out.grpc_web;
    }
  }
  if (section === 'servers' && 'modules' in v) {
    const list = strings(v.modules);
    if (!list) refuse('modules', 'expected an array of strings');
    else if (list.length) refuse('modules', `${list.map((m) => `"${m}"`).join(', ')}: pingap's modules (gRPC-Web) are not supported`);
    delete out.modules;
  }
  return out;
}

const STATE_TEXT: Record<PingapState, string> = {
  supported: 'supported',
  converted: 'converted',
  ignored: 'ignored, with a warning',
  refused: 'refused',
};

/** renderPingapCompatibility renders docs/pingap-compatibility.md from PINGAP_KEYS. */
export function renderPingapCompatibility(): string {
  const sections = (Object.keys(PINGAP_KEYS) as PingapSection[]).map((section) => {
    const rows = Object.entries(PINGAP_KEYS[section]).map(([key, k]) => `| \`${key}\` | ${STATE_TEXT[k.state]} | ${k.note} |`);
    return `## \`[${section}]\`\n\n| key | here | notes |\n|---|---|---|\n${rows.join('\n')}`;
  });
  const count = (s: PingapState) => Object.values(PINGAP_KEYS).reduce((n, t) => n + Object.values(t).filter((k) => k.state === s).length, 0);
  return `# pingap compatibility

<!-- Generated by packages/gateway/src/config/pingap.ts; a test fails when this file is stale: node packages/gateway/src/config/pingap.ts > docs/pingap-compatibility.md -->

The gateway reads [pingap](https://github.com/vicanso/pingap)'s TOML model, and a pingap config loads here as it is,
unless it uses a feature this gateway does not have. Every key of pingap's config (its \`pingap-config\` structs) is
listed below with what happens to it here:

- **supported** — read as the same key, with the same meaning (notes say where the details differ);
- **converted** — rewritten onto this gateway's own keys when the config is loaded (the notes say onto which);
- **ignored, with a warning** — accepted so the config loads, but it has no effect; \`etcd-monitor gateway -t\` prints
  \`warning: PATH: …\` and the gateway logs the same warning when it starts or reloads;
- **refused** — a config error naming the key and why: ignoring it would change what the gateway does in a way a warning
  cannot cover (a listener without its TLS, a request reaching the wrong upstream, keys that were never read).

Keys that are neither pingap's nor this gateway's are errors, with a did-you-mean hint. This gateway's own keys (such as
\`tls\`, \`retries\`, \`headers\`, \`response_headers_set\`, breakers spelled \`breaker_*\`) are in the
[configuration reference](gateway-config.md).

${count('supported')} keys are supported, ${count('converted')} converted, ${count('ignored')} ignored with a warning and ${count('refused')} refused.

## Behaviour that differs

- **\`sni\` means TLS.** pingap has no \`tls\` key: an upstream with an \`sni\` is connected to with TLS, and so it is here;
  \`tls = false\` with an \`sni\` is an error.
- **Header values** in \`proxy_set_headers\`/\`proxy_add_headers\` (\`headers_set\`/\`headers_add\`) may hold pingap's variables
  (\`$host\`, \`$scheme\`, \`$remote_addr\`, \`$remote_port\`, \`$server_addr\`, \`$server_port\`, \`$upstream_addr\`,
  \`$proxy_add_x_forwarded_for\`, \`$http_NAME\`, \`$hostname\`, environment \`$NAME\`); here they may also be part of a longer
  value (\`"Bearer \${TOKEN}"\`), environment variables are read once when the config is loaded, and a variable with no value
  (\`$upstream_addr\` on an answer no upstream gave) is empty where pingap sends the name as written. A \`$NAME\` that is no
  variable and no set environment variable is sent as written, as pingap does, with a warning. pingap's \`:field\` values
  (its request context) are sent as written, with a warning.
- **Forwarded headers.** \`enable_reverse_proxy_headers\` is on by default here. A forwarded header a location writes itself
  (\`X-Forwarded-For\`, \`X-Forwarded-Proto\`, \`X-Forwarded-Host\`, \`Via\`) replaces the gateway's value instead of adding a
  second one: \`proxy_add_headers = ["X-Forwarded-Proto:https"]\` sends \`https\`.
- **Client address.** pingap takes the client address from \`X-Forwarded-For\` or \`X-Real-IP\` from anyone when
  \`basic.trusted_proxies\` is empty; here only from the proxies it lists.
- **Certificates.** A server with \`global_certificates = true\` speaks TLS with the one \`[certificates.NAME]\` that has a
  \`tls_cert\` (or the \`is_default\` one among several): there is no selection by SNI and no ACME. Several usable
  certificates and no \`is_default\` is an error, and so is a TLS server with no usable certificate.
- **Single-value \`rewrite\`.** \`rewrite = "/"\` replaces the part of the path the location matched; in pingap a single value
  is a regex whose match is removed.

${pluginCategoriesSection()}

${sections.join('\n\n')}
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(renderPingapCompatibility());
