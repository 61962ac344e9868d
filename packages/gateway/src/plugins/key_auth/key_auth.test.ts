import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../config/load.ts';
import { formatIssue } from '../../config/fields.ts';
import { captureText, echo, request, startUpstream, useGateway, waitFor } from '../../test-helpers.ts';

test('key_auth: any of several keys in the header or the query passes, hidden from the upstream and the access log; none or a wrong one is refused', async (t) => {
  const up = await startUpstream('up');
  const log = captureText();
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.api_keys]
category = "key_auth"
header = "X-API-Key"
query = "api_key"
keys = ["key-one-KOXQaw", "key-two-GKvXY2"]
[plugins.visible]
category = "key_auth"
keys = ["key-three"]
hide_credentials = false
[locations.l]
upstream = "up"
plugins = ["api_keys"]
[locations.v]
upstream = "up"
path = "/visible"
plugins = ["visible"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l", "v"]
access_log = "{method} {uri} {status}"
`,
    { accessLogStream: log.stream },
  );
  const port = gw.port('main');
  const one = await request(port, { path: '/a', headers: { 'x-api-key': 'key-one-KOXQaw' } });
  assert.equal(one.status, 200);
  assert.equal(echo(one).headers['x-api-key'], undefined, 'the key header is not sent upstream');
  const two = await request(port, { path: '/b?x=1&api_key=key-two-GKvXY2&y=2' });
  assert.equal(two.status, 200);
  assert.equal(echo(two).url, '/b?x=1&y=2', 'the key parameter is not sent upstream');

  const hits = up.hits;
  const none = await request(port, { path: '/c' });
  assert.equal(none.status, 401);
  assert.equal(none.body, 'key_auth: no API key\n');
  assert.equal(none.headers['www-authenticate'], 'ApiKey header="X-API-Key"');
  for (const headers of [{ 'x-api-key': 'key-one-KOXQa' }, { 'x-api-key': 'KEY-ONE-KOXQAW' }, { 'x-api-key': 'key-three' }]) {
    const r = await request(port, { path: '/d', headers });
    assert.equal(r.status, 401);
    assert.equal(r.body, 'key_auth: wrong API key\n');
  }
  assert.equal((await request(port, { path: '/e?api_key=nope-secret-guess' })).status, 401);
  assert.equal(up.hits, hits);

  // With hide_credentials = false the default header (X-API-Key) reaches the upstream.
  const shown = await request(port, { path: '/visible', headers: { 'x-api-key': 'key-three' } });
  assert.equal(shown.status, 200);
  assert.equal(echo(shown).headers['x-api-key'], 'key-three');

  await waitFor(() => log.text().split('\n').length > 7, 5000, 'access log lines');
  assert.match(log.text(), /^GET \/b\?x=1&y=2 200$/m);
  assert.match(log.text(), /^GET \/e 401$/m);
  assert.ok(!/key-one|key-two|nope-secret/.test(log.text()), `no key in the access log:\n${log.text()}`);
});

test('key_auth options: no keys, an empty key, a bad header name', () => {
  const { issues } = parseConfigText(`
[plugins.none]
category = "key_auth"
[plugins.empty]
category = "key_auth"
keys = []
[plugins.blank]
category = "key_auth"
header = "X API Key"
keys = ["secret-key-1", " "]
[servers.s]
addr = "127.0.0.1:0"
`);
  const text = issues.map(formatIssue);
  assert.deepEqual(text, [
    'plugins.none.keys: is required (keys are the accepted API keys.)',
    'plugins.empty.keys: is empty (list at least one key)',
    'plugins.blank.keys[1]: is empty (remove it or write the key)',
    'plugins.blank.header: "X API Key" is not a header name (write a header name such as "X-API-Key")',
  ]);
  assert.ok(!text.join('\n').includes('secret-key-1'));
});
