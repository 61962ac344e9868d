import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@etcd-monitor/core/testing';
import { formatIssue } from '../../config/fields.ts';
import { parseConfigText } from '../../config/load.ts';
import { rawRequest, request, useGateway } from '../../test-helpers.ts';
import { parseRange } from './directory.ts';

test('parseRange reads the first bytes range and says when it is unsatisfiable', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-500', 100), { start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=95-200', 100), { start: 95, end: 99 });
  assert.deepEqual(parseRange('bytes=0-0, 5-9', 100), { start: 0, end: 0 });
  assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
  assert.equal(parseRange('bytes=9-3', 100), 'unsatisfiable');
  assert.equal(parseRange(undefined, 100), undefined);
  assert.equal(parseRange('items=0-9', 100), undefined);
});

async function site(t: Parameters<typeof useGateway>[0], plugin = '') {
  const root = tempDir('gw-dir', t);
  const www = join(root, 'www');
  mkdirSync(join(www, 'assets'), { recursive: true });
  mkdirSync(join(www, 'docs'));
  writeFileSync(join(www, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(www, 'assets', 'app.js'), 'console.log(1);\n'.repeat(100));
  writeFileSync(join(www, 'docs', 'a.txt'), 'A');
  writeFileSync(join(www, 'docs', '.hidden'), 'secret');
  writeFileSync(join(root, 'outside.txt'), 'outside the folder');
  symlinkSync(join(root, 'outside.txt'), join(www, 'link.txt'));
  const gw = await useGateway(
    t,
    [],
    `
[plugins.web]
category = "directory"
path = "${www}"
max_age = "1h"
headers = ["X-Content-Type-Options: nosniff"]
${plugin}
[locations.l]
plugins = ["web"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  return { port: gw.port('main'), www };
}

test('directory serves files with types, the index file, caching for non-HTML, ETag revalidation and ranges', async (t) => {
  const { port } = await site(t);
  const home = await request(port, { path: '/' });
  assert.equal(home.status, 200);
  assert.equal(home.body, '<h1>home</h1>');
  assert.equal(home.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(home.headers['cache-control'], undefined, 'HTML stays fresh');
  assert.equal(home.headers['x-content-type-options'], 'nosniff');
  const js = await request(port, { path: '/assets/app.js' });
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(js.headers['cache-control'], 'public, max-age=3600');
  assert.equal(js.headers['content-length'], '1600');
  const etag = String(js.headers.etag);
  assert.match(etag, /^W\/"640-[0-9a-f]+"$/);
  const again = await request(port, { path: '/assets/app.js', headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.body, '');
  const part = await request(port, { path: '/assets/app.js', headers: { range: 'bytes=16-31' } });
  assert.equal(part.status, 206);
  assert.equal(part.body, 'console.log(1);\n');
  assert.equal(part.headers['content-range'], 'bytes 16-31/1600');
  const past = await request(port, { path: '/assets/app.js', headers: { range: 'bytes=5000-' } });
  assert.equal(past.status, 416);
  assert.equal(past.headers['content-range'], 'bytes */1600');
  const head = await request(port, { method: 'HEAD', path: '/assets/app.js' });
  assert.equal(head.headers['content-length'], '1600');
  assert.equal((await request(port, { path: '/missing.txt' })).status, 404);
  assert.equal((await request(port, { method: 'POST', path: '/' })).status, 405);
  const dir = await request(port, { path: '/docs' });
  assert.equal(dir.status, 301);
  assert.equal(dir.headers.location, '/docs/');
  assert.equal((await request(port, { path: '/docs/' })).status, 404, 'no index and no autoindex');
});

test('directory refuses every way out of the folder: dot segments, encoded ones, and symlinks unless allowed', async (t) => {
  const { port } = await site(t);
  for (const path of [
    '/../outside.txt',
    '/docs/../../outside.txt',
    '/%2e%2e/outside.txt',
    '/docs/%2E%2E/%2e%2e/outside.txt',
    '/..%2foutside.txt',
    '/docs/..%5c..%5coutside.txt',
    '/%00',
  ]) {
    const raw = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    assert.doesNotMatch(raw, /outside the folder/, path);
    assert.match(raw, /^HTTP\/1\.1 (400|404)/, path);
  }
  assert.equal((await request(port, { path: '/link.txt' })).status, 404, 'a symlink out of the folder');
  const follow = await site(t, 'follow_symlinks = true');
  assert.equal((await request(follow.port, { path: '/link.txt' })).body, 'outside the folder');
});

test('directory autoindex lists a folder without dot files, escaping names', async (t) => {
  const { port, www } = await site(t, 'autoindex = true');
  writeFileSync(join(www, 'docs', '<b>.txt'), 'x');
  const r = await request(port, { path: '/docs/' });
  assert.equal(r.status, 200);
  assert.match(r.body, /href="\/docs\/a\.txt">a\.txt</);
  assert.match(r.body, /&#60;b&#62;\.txt/);
  assert.doesNotMatch(r.body, /hidden/);
});

test('directory: a missing path, a bad header line and an index path are config errors', () => {
  const { issues } = parseConfigText(`
[plugins.a]
category = "directory"
[plugins.b]
category = "directory"
path = "/srv"
index = "sub/index.html"
headers = ["NoColon"]
[servers.s]
addr = "127.0.0.1:0"
`);
  const text = issues.map(formatIssue);
  assert.ok(
    text.some((l) => l.startsWith('plugins.a.path: is required')),
    text.join('\n'),
  );
  assert.ok(
    text.some((l) => l.startsWith('plugins.b.headers[0]:')),
    text.join('\n'),
  );
  assert.ok(
    text.some((l) => l.startsWith('plugins.b.index: is a file name')),
    text.join('\n'),
  );
});
