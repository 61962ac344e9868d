import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router, type RouteSpec } from './router.ts';

const spec = (name: string, s: Partial<RouteSpec<string>>): RouteSpec<string> => ({ name, path: '', headers: [], query: [], data: name, ...s });

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
