// The runtime takes the config validator's parsed values and parses nothing again, so what `gateway -t` accepts is what
// the gateway runs: these are the places where the two read the same text differently before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../config/fields.ts';
import { parseConfigText } from '../config/load.ts';
import { echo, request, startUpstream, useGateway } from '../test-helpers.ts';

test('a host regex routes as written: the runtime does not lower-case it (\\D, a non-digit, stayed \\d)', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]

[locations.letters]
upstream = "up"
host = "~^\\\\D+\\\\.test$"
headers_add = ["X-Loc:letters"]

[locations.any]
upstream = "up"
headers_add = ["X-Loc:any"]

[servers.main]
addr = "127.0.0.1:0"
locations = ["letters", "any"]
`,
  );
  const loc = async (host: string) => echo(await request(gw.port('main'), { headers: { host } })).headers['x-loc'];
  assert.equal(await loc('shop.test'), 'letters');
  assert.equal(await loc('SHOP.test'), 'letters', 'host regexes ignore case');
  assert.equal(await loc('123.test'), 'any');
});

test('a header to remove written with a value is refused by -t, not accepted and then never removed', () => {
  const { issues } = parseConfigText(`
[upstreams.up]
addrs = ["127.0.0.1:9"]

[locations.l]
upstream = "up"
headers_remove = ["X-Secret: anything"]
response_headers_remove = ["Server:x"]

[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`);
  assert.deepEqual(issues.map(formatIssue), [
    'locations.l.headers_remove[0]: "X-Secret: anything" has a value, but a header is removed whatever its value (write "X-Secret")',
    'locations.l.response_headers_remove[0]: "Server:x" has a value, but a header is removed whatever its value (write "Server")',
  ]);
});

test('every rewrite form reaches the upstream as validated', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]

[locations.regex]
upstream = "up"
path = "/r/"
rewrite = "^/r/(?<rest>.*)$ /v2/$rest"

[locations.fixed]
upstream = "up"
path = "=/old"
rewrite = "/new"

[locations.onregex]
upstream = "up"
path = "~^/x/(.*)$"
rewrite = "/y/$1"

[locations.prefix]
upstream = "up"
path = "/api/v1"
rewrite = "/"

[servers.main]
addr = "127.0.0.1:0"
locations = ["regex", "fixed", "onregex", "prefix"]
`,
  );
  const url = async (path: string) => echo(await request(gw.port('main'), { path })).url;
  assert.equal(await url('/r/a/b'), '/v2/a/b');
  assert.equal(await url('/old'), '/new');
  assert.equal(await url('/x/z'), '/y/z');
  assert.equal(await url('/api/v1/users?id=1'), '/users?id=1');
});

test('two spellings of one listen address are one listener: -t refuses them on two servers, as binding would', () => {
  const conf = (a: string, b: string) => `
[upstreams.up]
addrs = ["127.0.0.1:9"]
[locations.l]
upstream = "up"
[servers.a]
addr = "${a}"
locations = ["l"]
[servers.b]
addr = "${b}"
locations = ["l"]
`;
  assert.deepEqual(parseConfigText(conf('127.0.0.1:8080', '127.0.0.1:08080')).issues.map(formatIssue), [
    'servers.b.addr: "127.0.0.1:08080" is already used by servers.a (give each server its own address, or put both servers\' locations in one)',
  ]);
  assert.deepEqual(parseConfigText(conf('localhost:8080', 'LocalHost:8080')).issues.length, 1);
  const { config, issues } = parseConfigText(conf('127.0.0.1:08080,[::1]:8081', '127.0.0.1:0'));
  assert.deepEqual(issues, []);
  assert.deepEqual(config.servers.a!.addr, [
    { host: '127.0.0.1', port: 8080 },
    { host: '::1', port: 8081 },
  ]);
});
