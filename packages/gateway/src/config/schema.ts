import type { Cidr, HostPort } from '@etcd-monitor/core';
import type { FieldSpec } from './fields.ts';
import type { PluginModule } from '../plugins/user.ts';
import type { HeaderLine } from '../http1/headers.ts';
import type { AccessLogFormat } from '../observability/access-log.ts';
import type { LogLevel } from '../observability/log.ts';
import type { HostMatch, PathMatch, ValueMatch } from '../router/router.ts';

/** ALGORITHMS lists the accepted `algorithm` values; `hash:*` take a key after a second colon where noted. */
export const ALGORITHMS = ['round_robin', 'weighted', 'least_conn', 'random', 'hash:ip', 'hash:url', 'hash:path', 'hash:header:NAME', 'hash:cookie:NAME', 'hash:query:NAME'];

/** BASIC_FIELDS are the keys of `[basic]`. */
export const BASIC_FIELDS: Record<string, FieldSpec> = {
  name: { kind: 'string', default: 'etcd-monitor-gateway', doc: 'name identifies this gateway in the `Via` header, logs and metrics.' },
  plugin_dir: {
    kind: 'string',
    doc: 'plugin_dir is a folder (relative to the config file) of your own plugins: each `.ts`, `.mts`, `.js` or `.mjs` module in it whose default export is a plugin definition (`definePlugin` from `@etcd-monitor/gateway`) adds its category; the folder is read again on every reload (with `watch`, editing a file in it reloads), and a module that does not load is a config error. See docs/gateway-plugins.md.',
  },
  error_template: {
    kind: 'string',
    doc: 'error_template is an HTML file (relative to the config file) served for gateway errors (502, 504, 404…); `{{status}}`, `{{reason}}` (e.g. Bad Gateway), `{{message}}` (one public sentence on what the status means) and `{{request_id}}` are replaced, HTML-escaped; what went wrong in detail is logged, never shown.',
  },
  pid_file: {
    kind: 'string',
    doc: 'pid_file is where the primary process writes its pid when it starts (so that `kill -HUP $(cat pid_file)` reloads); it is removed when the gateway stops. A file that cannot be written is logged and skipped.',
  },
  upgrade_sock: {
    kind: 'string',
    doc: 'upgrade_sock is accepted for pingap compatibility and ignored: nothing listens on it and no binary upgrade (handing the listening sockets to a new process) exists; reload in place (SIGHUP) and restart for a new version.',
  },
  user: {
    kind: 'string',
    doc: 'user is the account (a name from /etc/passwd, or a numeric uid) the workers switch to once their listeners are bound, when the gateway is started as root; without `group` its primary group is used. Started as another user, a different `user` is logged as a warning and ignored. See Privileges.',
  },
  group: { kind: 'string', doc: 'group is the group (a name from /etc/group, or a numeric gid) the workers switch to with `user`; see Privileges.' },
  threads: { kind: 'integer', default: 1, min: 0, max: 256, doc: 'threads is the number of worker processes sharing the listeners; 0 means one per CPU core.' },
  grace_period: {
    kind: 'duration',
    default: '30s',
    aliases: ['graceful_shutdown_timeout'],
    doc: 'grace_period is how long shutdown waits for in-flight requests to finish before closing their connections.',
  },
  admin_addr: { kind: 'string', default: '127.0.0.1:6188', doc: 'admin_addr is the admin listener (`/metrics`, `/health`, `/admin/*`); an empty string disables it.' },
  admin_token: {
    kind: 'string',
    doc: 'admin_token is the bearer token the mutating admin API (`POST /admin/reload`) requires; without it (or the `GATEWAY_ADMIN_TOKEN` environment variable) those calls are refused.',
  },
  watch: { kind: 'boolean', default: true, doc: 'watch reloads the config when its file changes.' },
  log_level: {
    kind: 'string',
    default: 'info',
    oneOf: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
    doc: 'log_level is the level of the structured (JSON) process log written to stderr.',
  },
  trusted_proxies: {
    kind: 'strings',
    default: [],
    doc: "trusted_proxies lists the addresses and CIDR ranges (such as `10.0.0.0/8`) of proxies in front of the gateway: for a connection from one of them, the client address (`{client_ip}`, `hash:ip`, plugins) is the first `X-Forwarded-For` entry, else `X-Real-IP`. Empty: the connection's address, always (pingap trusts these headers from anyone when the list is empty).",
  },
  max_header_size: {
    kind: 'size',
    default: '16KiB',
    doc: 'max_header_size is the largest request head (request line and headers) accepted from clients; a larger one gets 414 when its request line alone is too long, 431 otherwise.',
  },
  remark: { kind: 'string', doc: 'remark is a free-form note.' },
};

/** UPSTREAM_FIELDS are the keys of `[upstreams.NAME]`. */
export const UPSTREAM_FIELDS: Record<string, FieldSpec> = {
  addrs: { kind: 'strings', required: true, doc: 'addrs lists the servers as `"host:port"` or `"host:port weight"`; a hostname is resolved by DNS (see `discovery`).' },
  algorithm: {
    kind: 'string',
    default: 'round_robin',
    aliases: ['algo'],
    doc: `algorithm picks a server per request: ${ALGORITHMS.map((a) => `\`${a}\``).join(', ')}; \`round_robin\` honours weights smoothly (same as \`weighted\`).`,
  },
  discovery: {
    kind: 'string',
    oneOf: ['static', 'dns'],
    doc: 'discovery is `static` (addresses used as written) or `dns` (hostnames re-resolved every `update_frequency`, servers added and removed without a reload); the default is `dns` when any address is a hostname.',
  },
  update_frequency: { kind: 'duration', default: '30s', doc: 'update_frequency is how often `dns` discovery re-resolves the hostnames.' },
  sni: { kind: 'string', doc: 'sni is the TLS server name sent to the servers; as in pingap, setting it turns `tls` on (without it the name sent is the address host).' },
  tls: { kind: 'boolean', default: false, doc: 'tls connects to the servers with TLS (https); it is on whenever `sni` is set, and `tls = false` with an `sni` is refused.' },
  verify_cert: { kind: 'boolean', default: true, doc: 'verify_cert checks the certificates of TLS upstreams.' },
  health_check: {
    kind: 'string',
    doc: 'health_check is an active check URL, `http://HOST/path`, `https://HOST/path` or `tcp://HOST`, run against every server (HOST is only sent as the Host header); query parameters `interval`, `timeout`, `success` and `failure` tune it.',
  },
  connection_timeout: {
    kind: 'duration',
    default: '10s',
    doc: 'connection_timeout limits establishing a connection to a server; when it expires the request is retried on another server (see `retries`) or gets 504.',
  },
  read_timeout: {
    kind: 'duration',
    default: '30s',
    doc: 'read_timeout limits waiting for the response head and between response body chunks; when it expires the request gets 504.',
  },
  write_timeout: {
    kind: 'duration',
    default: '30s',
    doc: 'write_timeout limits the time a streamed request body may make no progress (the client stops sending or the upstream stops reading); when it expires the upstream request is aborted and the client gets 504.',
  },
  idle_timeout: { kind: 'duration', default: '60s', doc: 'idle_timeout closes pooled keep-alive connections idle for this long.' },
  max_connections: {
    kind: 'integer',
    default: 0,
    min: 0,
    doc: 'max_connections caps the connections to each server: requests beyond it wait for a free one for at most `connection_timeout`, then fail as a connect timeout (another server when `retries` allows, else 504); 0 means no cap.',
  },
  max_fails: {
    kind: 'integer',
    default: 3,
    min: 0,
    doc: 'max_fails consecutive failed requests (connect error, reset, timeout, or a 502/503/504 answer) take a server out for `fail_timeout` (passive health); when every server is out this way they are all tried again, as nginx does; 0 disables passive health.',
  },
  fail_timeout: { kind: 'duration', default: '10s', doc: 'fail_timeout is how long a server taken out by passive health stays out.' },
  breaker_failures: {
    kind: 'integer',
    default: 0,
    min: 0,
    aliases: ['circuit_break_max_consecutive_failures'],
    doc: 'breaker_failures opens the circuit breaker of a server after this many consecutive failures; 0 disables the consecutive rule.',
  },
  breaker_failure_ratio: {
    kind: 'number',
    default: 0,
    min: 0,
    max: 1,
    doc: 'breaker_failure_ratio opens the breaker when the failure ratio within the last `breaker_window` requests reaches it; 0 disables the ratio rule.',
  },
  breaker_window: {
    kind: 'integer',
    default: 20,
    min: 1,
    aliases: ['circuit_break_min_requests_threshold'],
    doc: 'breaker_window is the number of recent requests the failure ratio is computed over (the ratio is only judged once the window is full).',
  },
  breaker_open_duration: {
    kind: 'duration',
    default: '30s',
    aliases: ['circuit_break_open_duration'],
    doc: 'breaker_open_duration is how long an open breaker refuses requests before letting probes through (half-open).',
  },
  breaker_half_open_requests: {
    kind: 'integer',
    default: 1,
    min: 1,
    aliases: ['circuit_break_half_open_consecutive_success_threshold'],
    doc: 'breaker_half_open_requests is the number of probe requests a half-open breaker lets through; all must succeed to close it.',
  },
  retries: {
    kind: 'integer',
    default: 1,
    min: 0,
    max: 10,
    doc: 'retries is how many times a request is retried on another server: after a failure that sent nothing (connect refused or timed out, no free connection within `connection_timeout`), whatever its method or body; after a reset of a reused connection, for idempotent requests without a streamed body.',
  },
  ipv4_only: { kind: 'boolean', default: false, doc: 'ipv4_only resolves hostnames to IPv4 addresses only.' },
  remark: { kind: 'string', doc: 'remark is a free-form note.' },
};

/** LOCATION_FIELDS are the keys of `[locations.NAME]`. */
export const LOCATION_FIELDS: Record<string, FieldSpec> = {
  upstream: { kind: 'string', doc: 'upstream names the `[upstreams.NAME]` requests are proxied to; a location without one must answer from a plugin (e.g. `mock`).' },
  host: { kind: 'string', doc: 'host matches the request host, comma-separated: `example.com` (exact), `*.example.com` (any subdomain) or `~regex`; empty matches every host.' },
  path: {
    kind: 'string',
    default: '',
    doc: 'path matches the normalized request path (see Routing): `=/exact`, `/prefix` or `~regex` (a space after `=` or `~` is ignored, as in pingap); empty matches every path.',
  },
  headers: { kind: 'strings', default: [], doc: 'headers requires request headers: `"Name:value"` (exact), `"Name:~regex"` or `"Name"` (present).' },
  query: { kind: 'strings', default: [], doc: 'query requires query parameters: `"name=value"`, `"name=~regex"` or `"name"` (present).' },
  priority: { kind: 'integer', doc: 'priority overrides every other match criterion: a higher priority wins over any lower one (default 0; see Routing).' },
  weight: {
    kind: 'integer',
    min: 0,
    max: 65535,
    doc: "weight is pingap's match weight: it replaces the weight computed from `path` and `host` (see Routing), so a pingap config orders its locations as pingap does.",
  },
  plugins: { kind: 'strings', default: [], doc: 'plugins names the `[plugins.NAME]` run for this location, in this order unless their `priority` says otherwise.' },
  rewrite: {
    kind: 'string',
    doc: 'rewrite changes the path sent upstream: `"REGEX REPLACEMENT"` (with `$1`/`$name` captures, like pingap) or a single `"/new"` that replaces the matched path prefix.',
  },
  headers_add: {
    kind: 'strings',
    default: [],
    aliases: ['proxy_add_headers'],
    doc: 'headers_add appends `"Name:value"` headers to the upstream request; values may hold variables (see Headers), and a forwarded header named here replaces the gateway\'s own.',
  },
  headers_set: {
    kind: 'strings',
    default: [],
    aliases: ['proxy_set_headers'],
    doc: 'headers_set sets (replaces) `"Name:value"` headers on the upstream request; values may hold variables (see Headers).',
  },
  headers_remove: {
    kind: 'strings',
    default: [],
    doc: 'headers_remove removes headers, named without a value (`"Server"`), from the upstream request and, like nginx `proxy_hide_header`, from the response.',
  },
  response_headers_add: { kind: 'strings', default: [], doc: 'response_headers_add appends `"Name:value"` headers to the response; values may hold variables (see Headers).' },
  response_headers_set: {
    kind: 'strings',
    default: [],
    doc: 'response_headers_set sets (replaces) `"Name:value"` headers on the response; values may hold variables (see Headers).',
  },
  response_headers_remove: { kind: 'strings', default: [], doc: 'response_headers_remove removes headers, named without a value (`"Server"`), from the response.' },
  enable_reverse_proxy_headers: {
    kind: 'boolean',
    default: true,
    doc: 'enable_reverse_proxy_headers adds `X-Forwarded-For`, `X-Forwarded-Proto`, `X-Forwarded-Host` and `Via` to the upstream request.',
  },
  max_retries: { kind: 'integer', min: 0, max: 10, doc: "max_retries overrides the upstream's `retries` for requests of this location (pingap's key)." },
  client_max_body_size: { kind: 'size', default: 0, doc: 'client_max_body_size rejects request bodies larger than this with 413; 0 means no limit.' },
  buffer_request: {
    kind: 'boolean',
    default: false,
    doc: 'buffer_request reads the whole request body (up to `buffer_max_size`) before contacting the upstream, so a slow client does not hold an upstream connection.',
  },
  buffer_response: {
    kind: 'boolean',
    default: false,
    doc: 'buffer_response reads the whole response (up to `buffer_max_size`) before sending it, so a slow client does not hold an upstream connection.',
  },
  buffer_max_size: { kind: 'size', default: '1MiB', doc: 'buffer_max_size caps buffered bodies: a larger request gets 413, a larger response 502.' },
  remark: { kind: 'string', doc: 'remark is a free-form note.' },
};

/** SERVER_FIELDS are the keys of `[servers.NAME]`. */
export const SERVER_FIELDS: Record<string, FieldSpec> = {
  addr: { kind: 'string', required: true, doc: 'addr is the listen address `host:port`, or several separated by commas.' },
  locations: { kind: 'strings', default: [], doc: 'locations names the `[locations.NAME]` this server routes to.' },
  access_log: {
    kind: 'string',
    doc: 'access_log is either a file path (absolute or starting with `./`; written in `access_log_format`) or, as in pingap, a format written to stdout: a preset (`combined`, `common`, `short`, `tiny`, `json`) or a template with `{variables}`.',
  },
  access_log_format: { kind: 'string', default: 'combined', doc: 'access_log_format is the format used when `access_log` is a file path.' },
  access_log_rotate: {
    kind: 'string',
    default: '',
    oneOf: ['', 'hourly', 'daily'],
    doc: 'access_log_rotate starts a new access log file every hour or day (the old one is renamed with its period appended).',
  },
  access_log_max_size: { kind: 'size', default: 0, doc: 'access_log_max_size starts a new access log file when the current one reaches this size; 0 means no size limit.' },
  tls_cert: { kind: 'string', doc: 'tls_cert is a PEM certificate chain (file path or inline PEM); with `tls_key` the listener speaks TLS.' },
  tls_key: { kind: 'string', doc: 'tls_key is the PEM private key (file path or inline PEM) of `tls_cert`.' },
  merge_slashes: {
    kind: 'boolean',
    default: true,
    doc: "merge_slashes merges runs of `/` in request paths into one before routing and forwarding, as nginx's `merge_slashes` (see Path and Host normalization in docs/gateway.md).",
  },
  global_certificates: {
    kind: 'boolean',
    default: false,
    doc: "global_certificates makes the listener speak TLS with the certificate of `[certificates.NAME]` (pingap's way), when `tls_cert` is not set; see pingap compatibility for what is supported.",
  },
  tls_min_version: {
    kind: 'string',
    doc: "tls_min_version is the oldest TLS version accepted from clients: `tls1.2` or `tls1.3` (`tls1.1` too, which OpenSSL refuses at its default security level); default Node's, TLS 1.2.",
  },
  tls_max_version: { kind: 'string', doc: 'tls_max_version is the newest TLS version offered to clients: `tls1.2` or `tls1.3` (default).' },
  tls_cipher_list: {
    kind: 'string',
    doc: 'tls_cipher_list is the OpenSSL cipher list for TLS 1.2 and older, such as `"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256"`; default Node\'s.',
  },
  tls_ciphersuites: {
    kind: 'string',
    doc: 'tls_ciphersuites is the colon-separated TLS 1.3 cipher suites, such as `"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384"`; default Node\'s.',
  },
  enabled_h2: {
    kind: 'boolean',
    doc: 'enabled_h2 offers HTTP/2 next to HTTP/1.1: by ALPN on TLS listeners (on unless set to false), and as h2c with prior knowledge on plain ones (off unless set to true, as in pingap).',
  },
  h2_max_concurrent_streams: {
    kind: 'integer',
    default: 100,
    min: 1,
    max: 10000,
    doc: 'h2_max_concurrent_streams is the SETTINGS_MAX_CONCURRENT_STREAMS advertised to HTTP/2 clients (streams beyond it are refused) and so the number of upstream requests one HTTP/2 connection can have in flight (each stream has at most one, which ends with it); a client that resets more than twice this many streams within 10 s is sent GOAWAY `ENHANCE_YOUR_CALM` and disconnected (HTTP/2 rapid reset, CVE-2023-44487).',
  },
  keepalive_timeout: {
    kind: 'duration',
    default: '75s',
    doc: "keepalive_timeout closes idle client keep-alive connections after this long; it also cuts a client that reads none of its answers for this long (like nginx's `send_timeout`), and answers to its pipelined requests wait while it does not read. An HTTP/2 connection with no open stream for this long is closed with GOAWAY, and an HTTP/2 stream whose client takes none of its response for this long is reset (CANCEL).",
  },
  request_timeout: {
    kind: 'duration',
    default: '0s',
    doc: 'request_timeout limits receiving a whole HTTP/1.1 client request; 0 disables it (long uploads). HTTP/2 streams are not limited by it.',
  },
  headers_timeout: {
    kind: 'duration',
    default: '60s',
    doc: 'headers_timeout limits receiving the request head from a client (slowloris protection); an HTTP/2 connection must complete its first request head within it.',
  },
  max_connections: { kind: 'integer', default: 0, min: 0, doc: 'max_connections caps open client connections per worker; 0 means no cap.' },
  backlog: {
    kind: 'integer',
    default: 511,
    min: 1,
    max: 65535,
    doc: "backlog is the queue of connections the kernel completes before a worker accepts them (nginx's `listen … backlog=`, same default); Linux caps it at `net.core.somaxconn`. It applies when an address is opened; a reload that changes it for an open address logs that a restart is needed.",
  },
  reuse_port: { kind: 'boolean', default: false, doc: 'reuse_port is accepted for pingap compatibility; workers always share listeners through node:cluster.' },
  threads: { kind: 'integer', min: 0, doc: 'threads is accepted for pingap compatibility; the worker count is `basic.threads`.' },
  remark: { kind: 'string', doc: 'remark is a free-form note.' },
};

/** CERTIFICATE_FIELDS are the keys of pingap's `[certificates.NAME]` this gateway reads (see `global_certificates`). */
export const CERTIFICATE_FIELDS: Record<string, FieldSpec> = {
  domains: { kind: 'string', doc: 'domains are the comma-separated names the certificate is for (pingap picks a certificate by SNI; here one certificate serves a listener).' },
  tls_cert: { kind: 'string', doc: 'tls_cert is the PEM certificate chain: a file path, inline PEM or base64-encoded PEM.' },
  tls_key: { kind: 'string', doc: 'tls_key is the PEM private key, written like `tls_cert`.' },
  is_default: { kind: 'boolean', default: false, doc: 'is_default marks the certificate used when several could be.' },
  remark: { kind: 'string', doc: 'remark is a free-form note.' },
};

/** PLUGIN_COMMON_FIELDS are the keys every `[plugins.NAME]` accepts; each plugin adds its own (see its README). */
export const PLUGIN_COMMON_FIELDS: Record<string, FieldSpec> = {
  category: {
    kind: 'string',
    doc: "category is the plugin type (`request_id`, `mock`, …). Without it, `type` names the plugin (as the product spec writes entries), else the entry name does; beside a `category`, `type` is an option of the plugin (pingap's `limit`).",
  },
  priority: { kind: 'integer', default: 0, doc: 'priority orders plugins within a location: higher runs first; equal priorities keep the location list order.' },
  remark: { kind: 'string', doc: 'remark is a free-form note.' },
};

export type { Cidr } from '@etcd-monitor/core';

/** BasicConfig is `[basic]` once read. */
export interface BasicConfig {
  /** name identifies this gateway in `Via`, logs and metrics. */
  name: string;
  /** plugin_dir is the folder of the user's own plugin modules. */
  plugin_dir?: string;
  /** error_template is the path of the HTML error page template. */
  error_template?: string;
  /** pid_file is where the primary writes its pid. */
  pid_file?: string;
  /** upgrade_sock is accepted for pingap compatibility. */
  upgrade_sock?: string;
  /** user is the account the workers switch to when started as root. */
  user?: string;
  /** group is the group the workers switch to when started as root. */
  group?: string;
  /** threads is the worker count (0: one per core). */
  threads: number;
  /** grace_period is the drain time on shutdown, in ms. */
  grace_period: number;
  /** admin_addr is the admin listener address, empty when disabled. */
  admin_addr: string;
  /** admin_token guards the mutating admin API. */
  admin_token?: string;
  /** watch reloads on file changes. */
  watch: boolean;
  /** log_level is the process log level. */
  log_level: LogLevel;
  /** trusted_proxies are the proxies whose forwarded client address is believed, parsed. */
  trusted_proxies: Cidr[];
  /** max_header_size is the largest request head in bytes. */
  max_header_size: number;
  /** remark is a note. */
  remark?: string;
}

/**
 * Rewrite is a parsed `rewrite`, resolved against the location's `path`: a regex replacement, a fixed path (a single
 * value on an exact `path`), or a single value replacing the matched prefix (the first `strip` characters of the path).
 */
export type Rewrite = { kind: 'regex'; pattern: string; replacement: string } | { kind: 'fixed'; to: string } | { kind: 'prefix'; strip: number; to: string };

/** ServerAddr is one parsed `addrs` entry. */
export interface ServerAddr {
  /** host is the hostname or IP (without brackets). */
  host: string;
  /** port is the TCP port. */
  port: number;
  /** weight is the relative share of requests (default 1). */
  weight: number;
}

/** Algorithm is a parsed `algorithm` value. */
export interface Algorithm {
  /** kind is the balancing family. */
  kind: 'round_robin' | 'least_conn' | 'random' | 'hash';
  /** on is what a hash is computed from. */
  on?: 'ip' | 'url' | 'path' | 'header' | 'cookie' | 'query';
  /** key is the header, cookie or query parameter name. */
  key?: string;
}

/** HealthCheckSpec is a parsed `health_check` URL. */
export interface HealthCheckSpec {
  /** protocol is http, https or tcp. */
  protocol: 'http' | 'https' | 'tcp';
  /** hostHeader is the Host sent by http checks. */
  hostHeader: string;
  /** path is the path and query (without tuning parameters) requested. */
  path: string;
  /** interval between checks, in ms. */
  interval: number;
  /** timeout of one check, in ms. */
  timeout: number;
  /** success is the number of consecutive passes that bring a server back. */
  success: number;
  /** failure is the number of consecutive failures that take a server out. */
  failure: number;
}

/**
 * UpstreamConfig is one `[upstreams.NAME]` once validated: durations are in ms, and `addrs`, `algorithm` and
 * `health_check` are parsed, so the runtime never reads a string that could fail to parse.
 */
export interface UpstreamConfig {
  /** addrs are the servers, parsed from `host:port [weight]` (the port defaulted to 80, or 443 with TLS). */
  addrs: ServerAddr[];
  /** algorithm is the balancing algorithm, parsed. */
  algorithm: Algorithm;
  /** discovery is `static` or `dns`. */
  discovery: 'static' | 'dns';
  /** update_frequency is the DNS re-resolve interval. */
  update_frequency: number;
  /** sni is the TLS server name. */
  sni?: string;
  /** tls connects with TLS. */
  tls: boolean;
  /** verify_cert checks upstream certificates. */
  verify_cert: boolean;
  /** health_check is the active check, parsed from its URL and tuning parameters. */
  health_check?: HealthCheckSpec;
  /** connection_timeout limits connecting. */
  connection_timeout: number;
  /** read_timeout limits waiting for response data. */
  read_timeout: number;
  /** write_timeout limits sending request data. */
  write_timeout: number;
  /** idle_timeout closes idle pooled connections. */
  idle_timeout: number;
  /** max_connections caps connections per server (0: none). */
  max_connections: number;
  /** max_fails is the passive health threshold. */
  max_fails: number;
  /** fail_timeout is how long passive health keeps a server out. */
  fail_timeout: number;
  /** breaker_failures is the consecutive-failure trip count. */
  breaker_failures: number;
  /** breaker_failure_ratio is the failure-ratio trip level. */
  breaker_failure_ratio: number;
  /** breaker_window is the ratio's window in requests. */
  breaker_window: number;
  /** breaker_open_duration is the open time before half-open. */
  breaker_open_duration: number;
  /** breaker_half_open_requests is the number of half-open probes. */
  breaker_half_open_requests: number;
  /** retries is the retry count for body-less requests. */
  retries: number;
  /** ipv4_only restricts DNS to IPv4. */
  ipv4_only: boolean;
  /** remark is a note. */
  remark?: string;
}

/**
 * LocationConfig is one `[locations.NAME]` once validated: the match criteria, `rewrite` and the header rules are parsed,
 * so the runtime never reads a string that could fail to parse or be read another way than `gateway -t` read it.
 */
export interface LocationConfig {
  /** upstream names the upstream. */
  upstream?: string;
  /** host are the host patterns, parsed; empty matches any host. */
  host: HostMatch[];
  /** path is the path match, parsed. */
  path: PathMatch;
  /** headers are header matches, parsed. */
  headers: ValueMatch[];
  /** query are query parameter matches, parsed. */
  query: ValueMatch[];
  /** priority overrides the default order. */
  priority?: number;
  /** weight is pingap's match weight: the configured one, else computed from `path` and `host` as written. */
  weight: number;
  /** plugins names the plugins. */
  plugins: string[];
  /** rewrite is the path rewrite rule, parsed and resolved against `path`. */
  rewrite?: Rewrite;
  /** headers_add are the upstream request headers to append, parsed. */
  headers_add: HeaderLine[];
  /** headers_set are the upstream request headers to set, parsed. */
  headers_set: HeaderLine[];
  /** headers_remove are the lower-case names of request (and response) headers to remove. */
  headers_remove: string[];
  /** response_headers_add are the response headers to append, parsed. */
  response_headers_add: HeaderLine[];
  /** response_headers_set are the response headers to set, parsed. */
  response_headers_set: HeaderLine[];
  /** response_headers_remove are the lower-case names of response headers to remove. */
  response_headers_remove: string[];
  /** enable_reverse_proxy_headers adds X-Forwarded-* and Via. */
  enable_reverse_proxy_headers: boolean;
  /** max_retries overrides the upstream's retries. */
  max_retries?: number;
  /** client_max_body_size caps request bodies (0: none). */
  client_max_body_size: number;
  /** buffer_request buffers request bodies. */
  buffer_request: boolean;
  /** buffer_response buffers responses. */
  buffer_response: boolean;
  /** buffer_max_size caps buffered bodies. */
  buffer_max_size: number;
  /** remark is a note. */
  remark?: string;
}

/** h2Enabled tells whether a server offers HTTP/2: `enabled_h2` when set, else only over TLS. */
export function h2Enabled(sc: Pick<ServerConfig, 'enabled_h2' | 'tls_cert'>): boolean {
  return sc.enabled_h2 ?? sc.tls_cert !== undefined;
}

/** AccessLog is a parsed `access_log`: a file written in `access_log_format`, or (without `file`) stdout in the format `access_log` names. */
export interface AccessLog {
  /** file is the log file's path as written, when `access_log` is a path. */
  file?: string;
  /** format is the parsed line format. */
  format: AccessLogFormat;
}

/** TlsVersion is a TLS version as Node names it, read from `tls1.2`, `TLSv1.2` and the like. */
export type TlsVersion = 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** ServerConfig is one `[servers.NAME]` once read. */
export interface ServerConfig {
  /** addr are the listen addresses, parsed from the comma-separated `host:port` list. */
  addr: HostPort[];
  /** locations names the locations. */
  locations: string[];
  /** access_log is the access log, parsed: its file (stdout when none) and its format. */
  access_log?: AccessLog;
  /** access_log_format is the format for a file access log. */
  access_log_format: string;
  /** access_log_rotate is the time rotation. */
  access_log_rotate: '' | 'hourly' | 'daily';
  /** access_log_max_size is the size rotation. */
  access_log_max_size: number;
  /** tls_cert is the certificate (path or PEM). */
  tls_cert?: string;
  /** tls_key is the key (path or PEM). */
  tls_key?: string;
  /** merge_slashes merges runs of `/` in request paths. */
  merge_slashes: boolean;
  /** global_certificates takes the certificate from `[certificates]`. */
  global_certificates: boolean;
  /** tls_min_version is the oldest TLS version accepted, in Node's spelling. */
  tls_min_version?: TlsVersion;
  /** tls_max_version is the newest TLS version offered, in Node's spelling. */
  tls_max_version?: TlsVersion;
  /** tls_cipher_list is the TLS 1.2 cipher list. */
  tls_cipher_list?: string;
  /** tls_ciphersuites are the TLS 1.3 suites. */
  tls_ciphersuites?: string;
  /** enabled_h2 offers HTTP/2 (default: on with TLS, off without). */
  enabled_h2?: boolean;
  /** h2_max_concurrent_streams bounds the streams and upstream requests of one HTTP/2 connection. */
  h2_max_concurrent_streams: number;
  /** keepalive_timeout is the client idle timeout. */
  keepalive_timeout: number;
  /** request_timeout limits a whole request. */
  request_timeout: number;
  /** headers_timeout limits a request head. */
  headers_timeout: number;
  /** max_connections caps client connections. */
  max_connections: number;
  /** backlog is the listen queue length. */
  backlog: number;
  /** reuse_port is accepted for compatibility. */
  reuse_port: boolean;
  /** threads is accepted for compatibility. */
  threads?: number;
  /** remark is a note. */
  remark?: string;
}

/** PluginConfig is one `[plugins.NAME]`: the common keys plus the plugin's own. */
export interface PluginConfig {
  /** category is the plugin type. */
  category: string;
  /** priority orders plugins within a location. */
  priority: number;
  /** options are the plugin's own keys, as written. */
  options: Record<string, unknown>;
}

/** GatewayConfig is a whole validated gateway config. */
export interface GatewayConfig {
  /** basic holds process-wide settings. */
  basic: BasicConfig;
  /** upstreams by name. */
  upstreams: Record<string, UpstreamConfig>;
  /** locations by name, in file order. */
  locations: Record<string, LocationConfig>;
  /** servers by name. */
  servers: Record<string, ServerConfig>;
  /** plugins by name. */
  plugins: Record<string, PluginConfig>;
  /** errorTemplate is the loaded error page template, when `basic.error_template` is set. */
  errorTemplate?: string;
  /** pluginModules are the user plugin files (`basic.plugin_dir`) validated with this config, which workers import. */
  pluginModules?: PluginModule[];
  /** source is the file (or source URL) the config was read from, when it was. */
  source?: string;
  /** sourceVersion is the version of the source's content the config was read from (ConfigSnapshot.version), when it was read from a source. */
  sourceVersion?: string;
  /** baseDir is where relative paths in the config resolve (the config file's directory), when known. */
  baseDir?: string;
}
