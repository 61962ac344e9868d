import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeHost, normalizePath, normalizeRewritten } from './normalize.ts';

const paths: [string, string, string | null][] = [
  ['already normal', '/api/v1/users', '/api/v1/users'],
  ['root', '/', '/'],
  ['a dot file is not a dot segment', '/.well-known/acme', '/.well-known/acme'],
  ['"..." and "a.." are not dot segments', '/a../.../b', '/a../.../b'],
  ['".." removes the segment before it', '/pre/../exact', '/exact'],
  ['"." is removed', '/a/./b/.', '/a/b/'],
  ['trailing ".." keeps the slash', '/a/b/..', '/a/'],
  ['"/." is the root', '/.', '/'],
  ['climbing above the root', '/rw/../../admin', null],
  ['"/.." alone', '/..', null],
  ['encoded dots are dot segments', '/a/%2e%2e/x', '/x'],
  ['mixed-case encoded dots', '/a/.%2E/x', '/x'],
  ['encoded dots climbing above the root', '/%2e%2e/%2E%2E/etc/passwd', null],
  ['unreserved characters are decoded', '/ex%61ct', '/exact'],
  ['tilde, dash, underscore, digit', '/%7Euser/%2D%5F%30', '/~user/-_0'],
  ['other escapes stay, with upper-case hex', '/caf%c3%a9/a%20b/%3f', '/caf%C3%A9/a%20b/%3F'],
  ['an encoded percent is not decoded twice', '/%252e%252e/x', '/%252e%252e/x'],
  ['an encoded slash stays encoded and is no separator', '/keys/a%2fb', '/keys/a%2Fb'],
  ['"..%2f" is refused', '/static/..%2f..%2fetc/passwd', null],
  ['"%2F.." is refused', '/static/x%2F..', null],
  ['"%2e%2e%2f" is refused', '/static/%2e%2e%2fadmin', null],
  ['".%5C" (encoded backslash) is refused', '/static/.%5cadmin', null],
  ['a raw backslash next to ".." is refused', '/static/..\\admin', null],
  ['a malformed escape is refused', '/a/%zz', null],
  ['a truncated escape is refused', '/a%4', null],
  ['a lone percent is refused', '/a%', null],
  ['an encoded NUL is refused, as nginx does', '/index.php%00.jpg', null],
  ['slashes are merged', '/a//b///c//', '/a/b/c/'],
  ['"//" is the root', '//', '/'],
  ['merged before dot segments', '/a//..', '/'],
];

for (const [name, input, want] of paths) {
  test(`normalizePath: ${name}`, () => {
    const got = normalizePath(input);
    if (want === null) assert.equal(typeof got, 'object', `expected a refusal, got ${JSON.stringify(got)}`);
    else assert.equal(got, want);
  });
}

test('normalizePath: without merging, empty segments stay and ".." removes one of them', () => {
  assert.equal(normalizePath('/a//b', false), '/a//b');
  assert.equal(normalizePath('/a//../b', false), '/a/b');
  assert.equal(normalizePath('//..', false), '/');
  assert.equal(typeof normalizePath('//..', true), 'object');
});

test('normalizePath: refusals say why', () => {
  assert.match((normalizePath('/../x') as { refused: string }).refused, /above the root/);
  assert.match((normalizePath('/a/%g0') as { refused: string }).refused, /"%g0" is not a valid percent-encoding/);
  assert.match((normalizePath('/a/..%2Fb') as { refused: string }).refused, /encoded slash/);
});

test('normalizePath: the common path is returned as the same string', () => {
  const p = '/api/v1/users/42';
  assert.equal(normalizePath(p), p);
});

test('normalizeRewritten: refuses dot segments a rewrite assembled, adds a missing leading slash', () => {
  assert.equal(normalizeRewritten('/v2/x'), '/v2/x');
  assert.equal(normalizeRewritten('v2/x'), '/v2/x');
  assert.equal(normalizeRewritten('/v2//x'), '/v2/x');
  assert.equal(typeof normalizeRewritten('/q/../x'), 'object');
  assert.equal(typeof normalizeRewritten('/q/%2e%2e/x'), 'object');
  assert.equal(typeof normalizeRewritten('/q/./x'), 'object');
});

const hosts: [string, string | undefined][] = [
  ['example.com', 'example.com'],
  ['Example.COM', 'example.com'],
  ['example.com.', 'example.com'],
  ['example.com.:8080', 'example.com'],
  ['127.0.0.1:8080', '127.0.0.1'],
  ['my_service-1', 'my_service-1'],
  ['a:', 'a'],
  ['[::1]', '[::1]'],
  ['[::1]:443', '[::1]'],
  ['[FE80::1]:80', '[fe80::1]'],
  ['', ''],
  ['a b', undefined],
  ['a/b', undefined],
  ['a@b', undefined],
  ['a..b', undefined],
  ['.a', undefined],
  ['.', undefined],
  [':80', undefined],
  ['a:80x', undefined],
  ['a:1:2', undefined],
  ['a:123456', undefined],
  ['a:65536', undefined],
  ['[::1', undefined],
  ['[zz]', undefined],
  ['[::1]x', undefined],
  ['::1', undefined],
];

for (const [input, want] of hosts) {
  test(`normalizeHost: ${JSON.stringify(input)} → ${want === undefined ? 'invalid' : JSON.stringify(want)}`, () => {
    assert.equal(normalizeHost(input), want);
  });
}
