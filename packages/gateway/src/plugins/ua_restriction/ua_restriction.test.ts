import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../config/fields.ts';
import { parseConfigText } from '../../config/load.ts';
import { request, startUpstream, useGateway, type TestUpstream } from '../../test-helpers.ts';

function config(up: TestUpstream, plugin: string): string {
  return `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.ua]
category = "ua_restriction"
${plugin}
[locations.l]
upstream = "up"
plugins = ["ua"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`;
}

test('ua_restriction deny: unanchored patterns match anywhere (as pingap), a missing User-Agent passes', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(t, [up], config(up, `type = "deny"\nua_list = ["curl/", '^python-requests/\\d']\nmessage = "no bots"`));
  const port = gw.port('main');
  const status = async (ua?: string) => (await request(port, { headers: ua === undefined ? {} : { 'user-agent': ua } })).status;
  assert.equal(await status('curl/8.5.0'), 403);
  assert.equal(await status('Mozilla/5.0 (via curl/8)'), 403);
  assert.equal(await status('python-requests/2.31'), 403);
  assert.equal(await status('my-python-requests/2.31'), 200);
  assert.equal(await status('Mozilla/5.0'), 200);
  assert.equal(await status(), 200);
  assert.equal((await request(port, { headers: { 'user-agent': 'curl/8' } })).body, 'no bots');
});

test('ua_restriction allow: only matching agents pass, a missing User-Agent gets 403', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(t, [up], config(up, `type = "allow"\nua_list = ['^my-service/\\d+\\.\\d+$']`));
  const port = gw.port('main');
  assert.equal((await request(port, { headers: { 'user-agent': 'my-service/1.2' } })).status, 200);
  assert.equal((await request(port, { headers: { 'user-agent': 'my-service/1.2 extra' } })).status, 403);
  assert.equal((await request(port)).status, 403);
});

test('ua_restriction: a pattern that does not compile is a config error with its key path', () => {
  const { issues } = parseConfigText(`
[plugins.ua]
category = "ua_restriction"
ua_list = ["ok", "(unclosed"]
[servers.s]
addr = "127.0.0.1:0"
`);
  const text = issues.map(formatIssue);
  assert.ok(
    text.some((l) => l.startsWith('plugins.ua.ua_list[1]: "(unclosed" is not a valid regular expression')),
    text.join('\n'),
  );
});
