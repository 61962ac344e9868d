import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, parsePathMatch, parseRoute, pingapWeight, type RouteSpec, type RouteText } from './router.ts';

const spec = (name: string, s: Partial<RouteText> & { priority?: number }): RouteSpec<string> => {
  const { match, issues } = parseRoute({ path: '', headers: [], query: [], ...s });
  assert.deepEqual(issues, []);
  return { name, ...match, ...(s.priority === undefined ? {} : { priority: s.priority }), data: name };
};

const router = new Router([
  spec('any', {}),
  spec('root', { path: '/' }),
  spec('api', { path: '/api' }),
  spec('api_v1', { path: '/api/v1' }),
  spec('exact_login', { path: '=/api/login' }),
  spec('images', { path: '~\\.(png|jpg)$' }),
  spec('host_exact', { host: 'shop.example.com', path: '/api' }),
  spec('host_wild', { host: '*.example.com' }),
  spec('host_regex', { host: '~^tenant-\\d+\\.example\\.org$' }),
  spec('beta_header', { path: '/api', headers: ['X-Beta:1'] }),
  spec('canary_header', { path: '/api', headers: ['X-Canary:~^(yes|true)$'] }),
  spec('debug_query', { path: '/api', query: ['debug=1'] }),
  spec('has_token', { path: '/api', query: ['token'] }),
  spec('forced', { path: '/forced', priority: 2 }),
  spec('forced_low', { path: '/forced/deeper', priority: 1 }),
]);

const cases: [string, string, Record<string, string>, string, string | undefined][] = [
  ['unmatched path: empty path and "/" tie, declaration order decides', 'x.test', {}, '/nothing', 'any'],
  ['prefix', 'x.test', {}, '/api/users', 'api'],
  ['longer prefix wins', 'x.test', {}, '/api/v1/users', 'api_v1'],
  ['prefix is a string prefix, like nginx', 'x.test', {}, '/api/v10', 'api_v1'],
  ['exact beats prefix', 'x.test', {}, '/api/login', 'exact_login'],
  ['exact needs the whole path', 'x.test', {}, '/api/login/x', 'api'],
  ['prefix beats regex (pingap order)', 'x.test', {}, '/api/logo.png', 'api'],
  ['regex', 'x.test', {}, '/static/logo.png', 'images'],
  ['exact host beats wildcard for the same path kind', 'shop.example.com', {}, '/api/x', 'host_exact'],
  ['wildcard host', 'www.example.com', {}, '/x', 'host_wild'],
  ['wildcard does not match the apex', 'example.com', {}, '/x', 'any'],
  ['regex host', 'tenant-42.example.org', {}, '/x', 'host_regex'],
  ['header exact match adds specificity', 'x.test', { 'x-beta': '1' }, '/api/x', 'beta_header'],
  ['header regex match', 'x.test', { 'x-canary': 'true' }, '/api/x', 'canary_header'],
  ['header mismatch falls back', 'x.test', { 'x-beta': '2' }, '/api/x', 'api'],
  ['query match', 'x.test', {}, '/api/x?debug=1', 'debug_query'],
  ['query presence', 'x.test', {}, '/api/x?token=abc', 'has_token'],
  ['explicit priority outranks specificity', 'x.test', {}, '/forced/deeper', 'forced'],
];

for (const [name, host, headers, url, want] of cases) {
  test(`router: ${name}`, () => {
    const [path, search = ''] = url.split('?');
    assert.equal(router.match(host, path!, headers, search)?.name, want);
  });
}

test('router: no catch-all means no match', () => {
  const r = new Router([spec('a', { path: '/a' })]);
  assert.equal(r.match('h', '/b', {}, ''), undefined);
});

test('router: declaration order breaks ties', () => {
  const r = new Router([spec('first', { path: '/a' }), spec('second', { path: '/a' })]);
  assert.equal(r.match('h', '/a/b', {}, '')?.name, 'first');
});

test('router: 1000 locations compile and match without scanning each', () => {
  const specs = Array.from({ length: 1000 }, (_, i) => spec(`l${i}`, { path: `/svc${i}/`, host: i % 2 ? `h${i}.test` : '' }));
  const r = new Router(specs);
  assert.equal(r.match('h999.test', '/svc999/x', {}, '')?.name, 'l999');
  assert.equal(r.match('other', '/svc998/x', {}, '')?.name, 'l998');
  assert.equal(r.match('other', '/svc999/x', {}, ''), undefined);
});

test('router: a space after "=" or "~" is ignored, as pingap trims it', () => {
  const r = new Router([spec('php', { path: '~ \\.php$' }), spec('exact', { path: '= /exact' }), spec('prefix', { path: ' /pre ' })]);
  assert.equal(r.match('h', '/index.php', {}, '')?.name, 'php');
  assert.equal(r.match('h', '/exact', {}, '')?.name, 'exact');
  assert.equal(r.match('h', '/exact/x', {}, ''), undefined);
  assert.equal(r.match('h', '/pre/x', {}, '')?.name, 'prefix');
});

test('router: exact and prefix paths are normalized like request paths', () => {
  const r = new Router([spec('exact', { path: '=/ex%61ct' }), spec('cafe', { path: '/caf%c3%a9/./menu' })]);
  assert.equal(r.match('h', '/exact', {}, '')?.name, 'exact');
  assert.equal(r.match('h', '/caf%C3%A9/menu/1', {}, '')?.name, 'cafe');
});

test('parsePathMatch: says why a path is invalid', () => {
  assert.match(parsePathMatch('= exact') as string, /does not start with "\/"/);
  assert.match(parsePathMatch('~ (') as string, /invalid regex/);
  assert.match(parsePathMatch('/a/../..') as string, /above the root/);
  assert.deepEqual(parsePathMatch('= /x'), { kind: 'exact', value: '/x' });
  assert.deepEqual(parsePathMatch('~ \\.php$'), { kind: 'regex', value: '\\.php$' });
});

test("pingapWeight: pingap's computed weights", () => {
  // The values pingap's own test expects (pingap-config, LocationConf::get_weight).
  assert.equal(pingapWeight('=/api', undefined), 1029);
  assert.equal(pingapWeight('~/api', undefined), 261);
  assert.equal(pingapWeight('/api', undefined), 516);
  assert.equal(pingapWeight('', 'github.com'), 128);
  assert.equal(pingapWeight('', '~github.com'), 11);
  assert.equal(pingapWeight('', ''), 0);
  assert.equal(pingapWeight('/', undefined), 0);
  assert.equal(pingapWeight(`/${'x'.repeat(100)}`, 'a.com,b.com'), 512 + 64 + 128);
});

test('router: locations order by pingap weight, so a host outranks a longer path as in pingap', () => {
  const r = new Router([spec('v1', { path: '/api/v1' }), spec('host_api', { path: '/api', host: 'h.test' })]);
  // pingap: /api with a host is 512+4+128 = 644, /api/v1 without is 512+7 = 519.
  assert.equal(r.match('h.test', '/api/v1/x', {}, '')?.name, 'host_api');
  assert.equal(r.match('other.test', '/api/v1/x', {}, '')?.name, 'v1');
});

test('router: a configured weight replaces the computed one, on the same scale', () => {
  const routes = (w: number) => new Router([spec('exact', { path: '=/api/login' }), spec('prefix', { path: '/api' }), spec('php', { path: '~ ^/api/', weight: w })]);
  // 1035 is "=/api/login"'s computed weight: below it the exact location wins, above it the weighted regex does.
  assert.equal(routes(1035).match('h', '/api/login', {}, '')?.name, 'exact');
  assert.equal(routes(600).match('h', '/api/x', {}, '')?.name, 'php');
  assert.equal(routes(500).match('h', '/api/x', {}, '')?.name, 'prefix');
  assert.equal(routes(1036).match('h', '/api/login', {}, '')?.name, 'php');
});

test('router: priority outranks any weight', () => {
  const r = new Router([spec('heavy', { path: '=/a', weight: 65535 }), spec('prio', { path: '/', priority: 1 })]);
  assert.equal(r.match('h', '/a', {}, '')?.name, 'prio');
});
