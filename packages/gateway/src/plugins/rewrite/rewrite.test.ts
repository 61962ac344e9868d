import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../config/fields.ts';
import { parseConfigText } from '../../config/load.ts';
import { echo, request, startUpstream, useGateway } from '../../test-helpers.ts';

test('rewrite: regex rules with numbered and named captures, after the location rewrite, keeping the query', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.rw]
category = "rewrite"
rules = ["^/users/(\\\\d+)$ /accounts/$1/profile", "^/search/(?<term>[^/]+)$ /find?q=$term", "^/(.*)$ /v2/$1"]
[plugins.chain]
category = "rewrite"
all = true
rules = ["^/a/(.*)$ /b/$1", "^/b/(.*)$ /c/$1"]
[plugins.escape]
category = "rewrite"
rules = ["^/p-(.*)$ /q/$1"]
[locations.api]
upstream = "up"
path = "/api"
rewrite = "/"
plugins = ["rw"]
[locations.chain]
upstream = "up"
path = "/a"
plugins = ["chain", "escape"]
[locations.escape]
upstream = "up"
path = "/p-"
plugins = ["escape"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["api", "chain", "escape"]
`,
  );
  const port = gw.port('main');
  const url = async (path: string) => echo(await request(port, { path })).url;
  assert.equal(await url('/api/users/42?x=1'), '/accounts/42/profile?x=1', 'the location rewrite ran first, the first matching rule only');
  assert.equal(await url('/api/search/etcd?page=2'), '/find?q=etcd&page=2', "the replacement's query comes first");
  assert.equal(await url('/api/other'), '/v2/other');
  assert.equal(await url('/a/x'), '/c/x', 'all = true applies every matching rule');
  const climb = await request(port, { path: '/p-%2e%2e/secret' });
  assert.equal(climb.status, 400, 'a dot segment assembled from a capture is refused');
});

test('rewrite: a rule that does not parse is a config error with its key path', () => {
  const { issues } = parseConfigText(`
[plugins.r]
category = "rewrite"
rules = ["^/ok$ /fine", "^/(unclosed /$1", "/only-a-replacement"]
[servers.s]
addr = "127.0.0.1:0"
`);
  const text = issues.map(formatIssue);
  assert.equal(text.length, 2, text.join('\n'));
  assert.match(text[0]!, /^plugins\.r\.rules\[1\]: invalid regex "\^\/\(unclosed"/);
  assert.match(text[1]!, /^plugins\.r\.rules\[2\]: "\/only-a-replacement" is not "REGEX REPLACEMENT"/);
});
