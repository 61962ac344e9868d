import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../config/fields.ts';
import { parseConfigText } from '../../config/load.ts';
import { request, startUpstream, useGateway, type TestUpstream } from '../../test-helpers.ts';

function config(up: TestUpstream, plugin: string): string {
  return `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.rr]
category = "referer_restriction"
${plugin}
[locations.l]
upstream = "up"
plugins = ["rr"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`;
}

test('referer_restriction allow: exact, wildcard and regex hosts pass; others, a missing and a malformed Referer get 403', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    config(up, 'type = "allow"\nreferer_list = ["example.com", "*.example.com", "~^cdn[0-9]+\\\\.example\\\\.net$"]\nmessage = "no hotlinking"'),
  );
  const port = gw.port('main');
  const status = async (referer?: string) => (await request(port, { headers: referer === undefined ? {} : { referer } })).status;
  assert.equal(await status('https://example.com/page'), 200);
  assert.equal(await status('https://EXAMPLE.com/page'), 200);
  assert.equal(await status('https://a.b.example.com/'), 200);
  assert.equal(await status('http://cdn42.example.net/x'), 200);
  assert.equal(await status('https://cdn.example.net/x'), 403);
  assert.equal(await status('https://example.com.evil.test/'), 403);
  assert.equal(await status('https://evil.test/?u=example.com'), 403);
  assert.equal(await status(), 403);
  assert.equal(await status('not a url'), 403);
  const r = await request(port, { headers: { referer: 'https://evil.test/' } });
  assert.equal(r.body, 'no hotlinking');
});

test('referer_restriction deny: listed hosts get 403, a missing Referer passes', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(t, [up], config(up, 'type = "deny"\nreferer_list = ["*.scraper.test"]'));
  assert.equal((await request(gw.port('main'), { headers: { referer: 'https://x.scraper.test/' } })).status, 403);
  assert.equal((await request(gw.port('main'), { headers: { referer: 'https://ok.test/' } })).status, 200);
  assert.equal((await request(gw.port('main'))).status, 200);
});

test('referer_restriction: an empty entry or a regex that does not compile is a config error with its key path', () => {
  const { issues } = parseConfigText(`
[plugins.rr]
category = "referer_restriction"
referer_list = ["", "~a(b"]
[servers.s]
addr = "127.0.0.1:0"
`);
  const text = issues.map(formatIssue);
  assert.ok(
    text.some((l) => l.startsWith('plugins.rr.referer_list[0]: is empty')),
    text.join('\n'),
  );
  assert.ok(
    text.some((l) => l.startsWith('plugins.rr.referer_list[1]: "a(b" is not a valid regular expression')),
    text.join('\n'),
  );
});
