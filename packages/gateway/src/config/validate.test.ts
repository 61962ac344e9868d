import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIssue } from './fields.ts';
import { parseConfigText, readConfigFile } from './load.ts';
import { parseAlgorithm, parseHealthCheck, parseServerAddr } from './validate.ts';
import { parseRewrite } from '../router/rewrite.ts';
import { PINGAP_KEYS } from './pingap.ts';
import { pingapDir } from '../test-helpers.ts';
import { builtinPlugins } from '../plugins/index.ts';
import { BASIC_FIELDS, CERTIFICATE_FIELDS, LOCATION_FIELDS, PLUGIN_COMMON_FIELDS, SERVER_FIELDS, UPSTREAM_FIELDS } from './schema.ts';

const example = fileURLToPath(new URL('../testdata/pingap-example.toml', import.meta.url));
const text = readFileSync(example, 'utf8');
const errors = (t: string) => parseConfigText(t).issues.map(formatIssue);

test('the issue example loads with defaults filled in', () => {
  const { config, issues, warnings } = readConfigFile(example);
  assert.deepEqual(issues, []);
  assert.deepEqual(warnings, []);
  assert.equal(config.basic.name, 'pingap-go');
  assert.equal(config.basic.threads, 4);
  assert.equal(config.basic.admin_addr, '127.0.0.1:6188');
  const up = config.upstreams.backend_api!;
  assert.equal(up.connection_timeout, 10_000);
  assert.equal(up.idle_timeout, 90_000);
  assert.equal(up.discovery, 'static');
  // The runtime gets every location rule parsed: the rewrite resolved against the path, the header rules split.
  assert.deepEqual(config.locations.api_v1!.rewrite, { kind: 'prefix', strip: '/api/v1'.length, to: '/' });
  assert.deepEqual(config.locations.api_v1!.path, { kind: 'prefix', value: '/api/v1' });
  assert.deepEqual(config.locations.api_v1!.headers_add, [{ name: 'X-Forwarded-Proto', lower: 'x-forwarded-proto', value: 'https' }]);
  assert.deepEqual(config.locations.api_v1!.headers_remove, ['server']);
  assert.deepEqual(config.plugins.request_id, { category: 'request_id', priority: 0, options: { header: 'X-Request-Id', algorithm: 'uuid', size: 21, trust_incoming: true } });
  assert.match(config.errorTemplate ?? '', /\{\{status\}\}/);
});

test('a misspelt upstream is reported with its path and a did-you-mean hint', () => {
  assert.deepEqual(errors(text.replace('upstream = "backend_api"', 'upstream = "backend_ap"')), [
    'locations.api_v1.upstream: unknown upstream "backend_ap" (did you mean "backend_api"?)',
  ]);
});

test('the unreduced example names the undefined plugins', () => {
  const issues = errors(text.replace('plugins = ["request_id"]', 'plugins = ["jwt_auth", "rate_limit", "request_id"]'));
  assert.deepEqual(issues, [
    'locations.api_v1.plugins[0]: unknown plugin "jwt_auth" (define it under [plugins.jwt_auth])',
    'locations.api_v1.plugins[1]: unknown plugin "rate_limit" (define it under [plugins.rate_limit])',
  ]);
});

test('every error is collected, not only the first', () => {
  const bad = `
[basic]
thread = 2
[upstreams.a]
addrs = ["127.0.0.1:99999", "127.0.0.1:80 heavy"]
algorithm = "round_robbin"
connection_timeout = "ten seconds"
health_check = "ftp://x/health"
[locations.l]
upstream = "a"
path = "api"
host = "*.exa*mple.com"
rewrite = "^/(unclosed /$1"
headers_add = ["NoColon"]
[servers.s]
addr = "127.0.0.1"
locations = ["m"]
access_log = "{hostt} {status}"
[plugins.p]
category = "request_idd"
[sever.x]
`;
  assert.deepEqual(errors(bad), [
    'sever: unknown section (did you mean "servers"?)',
    'basic.thread: unknown key (did you mean "threads"?)',
    'upstreams.a.connection_timeout: "ten seconds" is not a duration (use a number with a unit, such as 500ms, 5s, 1m or 2h)',
    'upstreams.a.addrs[0]: port 99999 in "127.0.0.1:99999" is out of range (write "127.0.0.1:8080" or "127.0.0.1:8080 10" (weight 10))',
    'upstreams.a.addrs[1]: weight "heavy" in "127.0.0.1:80 heavy" is not an integer between 1 and 10000 (write "127.0.0.1:8080" or "127.0.0.1:8080 10" (weight 10))',
    'upstreams.a.algorithm: unknown algorithm "round_robbin" (did you mean "round_robin"?)',
    'upstreams.a.health_check: unsupported scheme "ftp:" (use http://, https:// or tcp://) (accepted parameters: interval, check_frequency, timeout, connection_timeout, read_timeout, success, failure)',
    `plugins.p.category: unknown plugin category "request_idd" (did you mean "request_id"? known categories: ${[...builtinPlugins.keys()].sort().join(', ')})`,
    'locations.l.path: "api" does not start with "/" (write "/prefix", "=/exact" or "~regex")',
    'locations.l.host: "*.exa*mple.com" is not a valid wildcard (only a leading "*." is allowed, such as "*.example.com")',
    'locations.l.rewrite: invalid regex "^/(unclosed": Invalid regular expression: /^/(unclosed/: Unterminated group (write "REGEX REPLACEMENT", such as "^/api/(.*)$ /$1")',
    'locations.l.headers_add[0]: "NoColon" is not "Name:value" (write "Name:value")',
    'servers.s.addr: "127.0.0.1" has no port (write "0.0.0.0:80" or "127.0.0.1:8080,[::1]:8080")',
    'servers.s.locations[0]: unknown location "m" (did you mean "l"?)',
    'servers.s.access_log: unknown access log variable {hostt} (did you mean "host"?)',
  ]);
});

test('a TOML syntax error points at its line and column', () => {
  const [issue] = parseConfigText('[basic\nname = 1', { source: 'gw.toml' }).issues;
  assert.match(issue!.path, /^gw\.toml:1:\d+$/);
  assert.match(issue!.message, /TOML syntax error/);
});

test('a missing error template is a warning, not an error', () => {
  const r = parseConfigText(text.replace('error.html', 'missing.html'), { baseDir: '/nonexistent' });
  assert.deepEqual(r.issues, []);
  assert.equal(r.warnings[0]!.path, 'basic.error_template');
});

test('parsers for addresses, algorithms, health checks and rewrites', () => {
  assert.deepEqual(parseServerAddr('127.0.0.1:8001 5'), { host: '127.0.0.1', port: 8001, weight: 5 });
  assert.deepEqual(parseServerAddr('[::1]:81'), { host: '::1', port: 81, weight: 1 });
  assert.deepEqual(parseServerAddr('api.internal'), { host: 'api.internal', port: 80, weight: 1 });
  assert.deepEqual(parseAlgorithm('hash:cookie:sid'), { kind: 'hash', on: 'cookie', key: 'sid' });
  assert.deepEqual(parseAlgorithm('weighted'), { kind: 'round_robin' });
  assert.equal(typeof parseAlgorithm('hash:header'), 'string');
  const hc = parseHealthCheck('http://api.local/health?interval=2s&success=1&failure=2&x=1', (s) => Number.parseFloat(s) * 1000);
  assert.deepEqual(hc, { protocol: 'http', hostHeader: 'api.local', path: '/health?x=1', interval: 2000, timeout: 3000, success: 1, failure: 2 });
  const rw = parseRewrite('^/api/(?<rest>.*)$ /v2/$rest', { kind: 'any', value: '' });
  assert.deepEqual(rw, { kind: 'regex', pattern: '^/api/(?<rest>.*)$', replacement: '/v2/$<rest>' });
  assert.deepEqual(parseRewrite('/new', { kind: 'exact', value: '/old' }), { kind: 'fixed', to: '/new' });
  assert.deepEqual(parseRewrite('/$1', { kind: 'regex', value: '^/a/(.*)$' }), { kind: 'regex', pattern: '^/a/(.*)$', replacement: '/$1' });
});

test('values sent in headers are checked at load: the Via name and header rules', () => {
  // The data path writes these without checking them again, so a control character must not get past the config.
  assert.deepEqual(
    errors(`
[basic]
name = "edge gateway"
[upstreams.a]
addrs = ["127.0.0.1:80"]
[locations.l]
upstream = "a"
headers_add = ["X-A:one\\u0001two"]
response_headers_set = ["X-B:\\u007f"]
[servers.s]
addr = "127.0.0.1:8080"
locations = ["l"]
`),
    [
      'basic.name: "edge gateway" cannot be sent in the Via header (use letters, digits, "-", "_" or "." only, such as "edge-1")',
      'locations.l.headers_add[0]: "X-A:one\u0001two" has a control character in its value (write "Name:value")',
      'locations.l.response_headers_set[0]: "X-B:\u007f" has a control character in its value (write "Name:value")',
    ],
  );
});

test('sni turns TLS on, as in pingap; tls = false with an sni is refused', () => {
  const conf = (extra: string) => `
[upstreams.a]
addrs = ["127.0.0.1:8443"]
${extra}
[locations.l]
upstream = "a"
[servers.s]
addr = "127.0.0.1:8080"
locations = ["l"]
`;
  const r = parseConfigText(conf('sni = "api.example.com"'));
  assert.deepEqual(r.issues, []);
  assert.equal(r.config.upstreams.a!.tls, true);
  assert.equal(parseConfigText(conf('sni = ""')).config.upstreams.a!.tls, false, 'an empty sni is no sni');
  assert.deepEqual(errors(conf('sni = "api.example.com"\ntls = false')), [
    'upstreams.a.tls: is false, but sni = "api.example.com" means TLS (remove sni to connect without TLS, or remove tls = false)',
  ]);
});

test('header variables: an unknown $NAME is a warning (sent as written, as in pingap), an environment value that cannot be sent is an error', () => {
  process.env.GW_TEST_BAD = 'a\nb';
  try {
    const r = parseConfigText(`
[upstreams.a]
addrs = ["127.0.0.1:80"]
[locations.l]
upstream = "a"
headers_set = ["X-A:$remote_addr", "X-B:$NO_SUCH_GW_VAR", "X-C:$GW_TEST_BAD", "X-D::connection_id"]
response_headers_add = ["X-E:\${host}x"]
[servers.s]
addr = "127.0.0.1:8080"
locations = ["l"]
`);
    assert.deepEqual(r.issues.map(formatIssue), ['locations.l.headers_set[2]: environment variable GW_TEST_BAD has a control character, which cannot be sent in a header']);
    assert.deepEqual(
      r.warnings.map((w) => w.path),
      ['locations.l.headers_set[1]', 'locations.l.headers_set[3]'],
    );
    assert.match(r.warnings[0]!.message, /\$NO_SUCH_GW_VAR is neither a header variable nor a set environment variable/);
  } finally {
    delete process.env.GW_TEST_BAD;
  }
});

test('a realistic pingap config with keys of every section loads: supported keys read, converted ones mapped, the rest warned about', () => {
  const { dir, file } = pingapDir();
  const { config, issues, warnings } = readConfigFile(file);
  assert.deepEqual(issues.map(formatIssue), []);
  // Every ignored key is named in a warning, and nothing else is.
  const ignored = new Set<string>();
  for (const [section, keys] of Object.entries(PINGAP_KEYS)) for (const [k, v] of Object.entries(keys)) if (v.state === 'ignored') ignored.add(`${section}:${k}`);
  for (const w of warnings) {
    const [section, , key] = w.path.split('.');
    if (section === 'basic') assert.ok(ignored.has(`basic:${w.path.split('.')[1]}`), w.path);
    else if (section !== 'storages' && !w.path.endsWith('.alpn')) assert.ok(ignored.has(`${section}:${key}`), w.path);
  }
  assert.equal(warnings.length, 49);
  assert.ok(warnings.some((w) => w.path === 'upstreams.api.alpn'));
  assert.ok(warnings.some((w) => w.path === 'storages.secretToken'));
  assert.deepEqual(config.basic.trusted_proxies, [
    { address: '127.0.0.1', prefix: 32, family: 'ipv4' },
    { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
  ]);
  assert.equal(config.basic.grace_period, 10_000, 'graceful_shutdown_timeout is the drain time');
  const charts = config.upstreams.charts!;
  assert.deepEqual(charts.algorithm, { kind: 'hash', on: 'cookie', key: 'sid' });
  assert.equal(charts.breaker_failures, 5);
  assert.equal(charts.breaker_failure_ratio, 0.5);
  assert.equal(charts.breaker_window, 10);
  assert.equal(charts.breaker_half_open_requests, 2);
  assert.equal(charts.breaker_open_duration, 30_000);
  assert.equal(charts.tls, false);
  assert.equal(config.upstreams.api!.tls, true, 'sni means TLS');
  const lo = config.locations.lo!;
  const line = (name: string, value: string) => ({ name, lower: name.toLowerCase(), value });
  assert.deepEqual(lo.headers_set, [line('X-Real-IP', '$remote_addr'), line('X-Forwarded-For', '$proxy_add_x_forwarded_for')]);
  assert.deepEqual(lo.headers_add, [line('X-Forwarded-Proto', 'https'), line('X-Server', '$hostname')]);
  assert.equal(lo.max_retries, 2);
  const beta = config.locations.beta!;
  assert.deepEqual(beta.headers, [
    { name: 'x-beta', exact: '1' },
    { name: 'x-tenant' },
    { name: 'cookie', regex: '(?:^|;\\s*)beta=on(?:;|$)' },
    { name: 'cookie', regex: '(?:^|;\\s*)sid=' },
  ]);
  assert.deepEqual(beta.query, [{ name: 'version', regex: '^~2$' }, { name: 'debug' }]);
  const secure = config.servers.secure!;
  assert.equal(secure.tls_cert, join(dir, 'cert.pem'), 'the is_default certificate serves the global_certificates server');
  assert.equal(secure.tls_key, join(dir, 'key.pem'));
  assert.equal(secure.tls_min_version, 'TLSv1.2');
  assert.equal(secure.tls_max_version, 'TLSv1.3');
  assert.deepEqual(config.plugins.nanoRequestId!.options, { header: 'X-Trace-Id', algorithm: 'nanoid', size: 12, trust_incoming: true });
});

test('pingap keys that would change behaviour if ignored are refused with the reason', () => {
  const { file } = pingapDir();
  const text = readFileSync(file, 'utf8')
    .replace('alpn = "H1"', 'alpn = "h2"\nincludes = ["charts"]')
    .replace('discovery = "static"', 'discovery = "docker"')
    .replace('grpc_web = false', 'grpc_web = true')
    .replace('modules = []', 'modules = ["grpc-web"]')
    .replace('circuit_break_max_failure_percent = 50', 'circuit_break_max_failure_percent = 150')
    .replace('trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]', 'trusted_proxies = ["127.0.0.1", "10.0.0.0/33", "proxy"]')
    .replace('tls_min_version = "tls1.2"', 'tls_min_version = "ssl3"')
    .replace('is_default = true', 'is_default = false\n[certificates.other]\ntls_cert = "cert.pem"\ntls_key = "key.pem"');
  writeFileSync(file, text);
  assert.deepEqual(readConfigFile(file).issues.map(formatIssue), [
    'basic.trusted_proxies[1]: "10.0.0.0/33" is not an IP address or CIDR range (write "10.0.0.1" or "10.0.0.0/8")',
    'basic.trusted_proxies[2]: "proxy" is not an IP address or CIDR range (write "10.0.0.1" or "10.0.0.0/8")',
    "upstreams.charts.includes: is pingap's and not supported: includes pull keys from `[storages]`, which are not read; write the keys in place (remove it)",
    'upstreams.charts.discovery: pingap\'s "docker" discovery is not supported (use "static" or "dns")',
    'upstreams.charts.circuit_break_max_failure_percent: expected a percentage from 0 to 100 (such as 50)',
    'upstreams.charts.alpn: "h2" needs HTTP/2 to the upstream, which is not supported (HTTP/1.1 only) (write "h1", or use an upstream that speaks HTTP/1.1)',
    'locations.lo.grpc_web: gRPC-Web translation is not supported (remove it, and let the upstream speak gRPC-Web itself)',
    'servers.secure.modules: "grpc-web": pingap\'s modules (gRPC-Web) are not supported (remove it)',
    'servers.secure.global_certificates: 2 certificates (pingap, other) would need selection by SNI, which is not supported (mark the one to serve with is_default = true, or set tls_cert and tls_key on the server)',
    'servers.secure.tls_min_version: unknown TLS version "ssl3" (write "tls1.2" or "tls1.3")',
  ]);
});

test('every pingap key marked supported is a key (or alias) of the matching field specs', () => {
  const specs = {
    basic: BASIC_FIELDS,
    upstreams: UPSTREAM_FIELDS,
    locations: LOCATION_FIELDS,
    servers: SERVER_FIELDS,
    plugins: PLUGIN_COMMON_FIELDS,
    certificates: CERTIFICATE_FIELDS,
  } as const;
  for (const [section, fields] of Object.entries(specs)) {
    const names = new Set(Object.entries(fields).flatMap(([n, f]) => [n, ...(f.aliases ?? [])]));
    for (const [key, k] of Object.entries(PINGAP_KEYS[section as keyof typeof specs])) {
      if (k.state === 'supported' && !key.includes(':')) assert.ok(names.has(key), `${section}.${key}`);
    }
  }
});

test('addresses are read by the one host:port parser: a bad admin_addr is a config error, a listener takes no weight, an upstream no bare IPv6', () => {
  const base = '[upstreams.u]\naddrs = ["127.0.0.1:1"]\n[locations.l]\nupstream = "u"\n[servers.s]\naddr = "127.0.0.1:0"\nlocations = ["l"]\n';
  assert.deepEqual(errors(`[basic]\nadmin_addr = "localhost"\n${base}`), [
    'basic.admin_addr: "localhost" has no port (write "127.0.0.1:6188", or "" to disable the admin listener)',
  ]);
  assert.deepEqual(errors(`[basic]\nadmin_addr = ":6188"\n${base}`).length, 1);
  assert.deepEqual(errors(`[basic]\nadmin_addr = "127.0.0.1:0"\n${base}`), []);
  assert.deepEqual(errors(`[basic]\nadmin_addr = ""\n${base}`), []);
  assert.deepEqual(errors(base.replace('addr = "127.0.0.1:0"', 'addr = "127.0.0.1:80 5"')), [
    'servers.s.addr: "127.0.0.1:80 5" is not "host:port" (write "0.0.0.0:80" or "127.0.0.1:8080,[::1]:8080")',
  ]);
  assert.match(errors(base.replace('"127.0.0.1:1"', '"::1:8080"'))[0]!, /^upstreams\.u\.addrs\[0\]: "::1:8080" is an IPv6 address without brackets/);
  assert.deepEqual(parseServerAddr('etcd_1.internal:2379'), { host: 'etcd_1.internal', port: 2379, weight: 1 });
});
