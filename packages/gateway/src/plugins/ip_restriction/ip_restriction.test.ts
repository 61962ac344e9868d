import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../config/fields.ts';
import { parseConfigText } from '../../config/load.ts';
import { request, startUpstream, useGateway, type TestUpstream } from '../../test-helpers.ts';

function config(up: TestUpstream, plugin: string, basic = ''): string {
  return `
[basic]
${basic}
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.ipr]
category = "ip_restriction"
${plugin}
[locations.l]
upstream = "up"
plugins = ["ipr"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`;
}

test('ip_restriction allow: listed ranges pass, others get 403 with the message', async (t) => {
  const up = await startUpstream('up');
  const allowed = await useGateway(t, [up], config(up, 'type = "allow"\nip_list = ["10.0.0.0/8", "127.0.0.0/8", "::1"]'));
  assert.equal((await request(allowed.port('main'))).status, 200);
  const refused = await useGateway(t, [], config(up, 'type = "allow"\nip_list = ["10.0.0.0/8", "fd00::/8"]\nmessage = "internal only"'));
  const r = await request(refused.port('main'));
  assert.equal(r.status, 403);
  assert.equal(r.body, 'internal only');
});

test('ip_restriction deny: a listed address gets 403, the default type is allow (an empty list refuses everyone)', async (t) => {
  const up = await startUpstream('up');
  const deny = await useGateway(t, [up], config(up, 'type = "deny"\nip_list = ["127.0.0.1"]'));
  assert.equal((await request(deny.port('main'))).status, 403);
  const empty = await useGateway(t, [], config(up, ''));
  assert.equal((await request(empty.port('main'))).status, 403);
});

test('ip_restriction reads X-Forwarded-For only from trusted proxies: a spoofed header does not get a client past the list', async (t) => {
  const up = await startUpstream('up');
  const plugin = 'type = "allow"\nip_list = ["203.0.113.0/24"]';
  // The peer (127.0.0.1) is not a trusted proxy: its X-Forwarded-For is the client's own claim and is ignored.
  const untrusted = await useGateway(t, [up], config(up, plugin, 'trusted_proxies = ["10.9.9.9"]'));
  assert.equal((await request(untrusted.port('main'), { headers: { 'x-forwarded-for': '203.0.113.7' } })).status, 403);
  // Behind a trusted proxy the forwarded client address is the one checked.
  const trusted = await useGateway(t, [], config(up, plugin, 'trusted_proxies = ["127.0.0.1"]'));
  assert.equal((await request(trusted.port('main'), { headers: { 'x-forwarded-for': '203.0.113.7' } })).status, 200);
  assert.equal((await request(trusted.port('main'), { headers: { 'x-forwarded-for': '198.51.100.1' } })).status, 403);
});

test('ip_restriction: an entry that is not an address or range, or an unknown type, is a config error with its key path', () => {
  const { issues } = parseConfigText(`
[plugins.ipr]
category = "ip_restriction"
type = "block"
ip_list = ["10.0.0.0/8", "10.0.0.0/33", "intranet"]
[servers.s]
addr = "127.0.0.1:0"
`);
  const text = issues.map(formatIssue);
  assert.ok(
    text.some((l) => l.startsWith('plugins.ipr.type:') && l.includes('allow')),
    text.join('\n'),
  );
  assert.ok(
    text.includes('plugins.ipr.ip_list[1]: "10.0.0.0/33" is not an IP address or CIDR range (write an address (10.0.0.7, ::1) or a range (10.0.0.0/8, fd00::/8))'),
    text.join('\n'),
  );
  assert.ok(
    text.some((l) => l.startsWith('plugins.ipr.ip_list[2]:')),
    text.join('\n'),
  );
});
