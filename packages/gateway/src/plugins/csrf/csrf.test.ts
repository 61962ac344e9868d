import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIssue } from '../../config/fields.ts';
import { parseConfigText } from '../../config/load.ts';
import { request, startUpstream, useGateway } from '../../test-helpers.ts';
import { newToken, tokenValid } from './csrf.ts';

const KEY = 'a-long-signing-key-for-tests';

test('csrf tokens verify only with their key, untampered, and within their ttl', () => {
  const now = 1_800_000_000;
  const token = newToken(KEY, now);
  assert.equal(tokenValid(token, KEY, 0, now + 10_000_000), true);
  assert.equal(tokenValid(token, 'another-key-of-enough-length', 0, now), false);
  const [id, issued, mac] = token.split('.');
  assert.equal(tokenValid(`${id}x.${issued}.${mac}`, KEY, 0, now), false);
  assert.equal(tokenValid(`${id}.${(now + 1).toString(16)}.${mac}`, KEY, 0, now), false);
  assert.equal(tokenValid(token, KEY, 60_000, now + 60), true);
  assert.equal(tokenValid(token, KEY, 60_000, now + 61), false);
  for (const junk of ['', 'a.b', 'a.b.c.d', `${id}.zz.${mac}`]) assert.equal(tokenValid(junk, KEY, 0, now), false, junk);
});

test('csrf: the token path sets the cookie; state-changing requests need the cookie echoed in the header', async (t) => {
  const up = await startUpstream('up');
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.csrf]
category = "csrf"
token_path = "/csrf-token"
key = "${KEY}"
ttl = "1h"
[locations.l]
upstream = "up"
plugins = ["csrf"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const port = gw.port('main');
  const issued = await request(port, { path: '/csrf-token' });
  assert.equal(issued.status, 204);
  assert.equal(issued.headers['cache-control'], 'private, no-store');
  const cookie = String(issued.headers['set-cookie']?.[0]);
  assert.match(cookie, /^x-csrf-token=[^;]+; Path=\/; SameSite=Lax; Max-Age=3600$/);
  const token = cookie.slice('x-csrf-token='.length).split(';')[0]!;

  assert.equal((await request(port, { path: '/orders' })).status, 200, 'safe methods need no token');
  const post = (headers: Record<string, string>) => request(port, { method: 'POST', path: '/orders', headers, body: '{}' });
  assert.equal((await post({ cookie: `x-csrf-token=${token}`, 'x-csrf-token': token })).status, 200);
  const missing = await post({ cookie: `x-csrf-token=${token}` });
  assert.equal(missing.status, 401);
  assert.equal(missing.body, 'Csrf token is empty or invalid');
  const other = newToken(KEY);
  assert.equal((await post({ cookie: `x-csrf-token=${token}`, 'x-csrf-token': other })).status, 401, 'header and cookie differ');
  const forged = newToken('an-attacker-chosen-key-xyz');
  assert.equal((await post({ cookie: `x-csrf-token=${forged}`, 'x-csrf-token': forged })).status, 401, 'signed with another key');
});

test('csrf: a missing key or token path, a short key and a non-path are config errors with their key paths', () => {
  const { issues } = parseConfigText(`
[plugins.a]
category = "csrf"
[plugins.b]
category = "csrf"
token_path = "csrf"
key = "short"
[servers.s]
addr = "127.0.0.1:0"
`);
  const text = issues.map(formatIssue);
  assert.ok(
    text.some((l) => l.startsWith('plugins.a.token_path:')),
    text.join('\n'),
  );
  assert.ok(
    text.some((l) => l.startsWith('plugins.a.key:')),
    text.join('\n'),
  );
  assert.ok(
    text.some((l) => l.startsWith('plugins.b.token_path: "csrf" is not a path')),
    text.join('\n'),
  );
  assert.ok(
    text.some((l) => l.startsWith('plugins.b.key: is shorter than 16 characters')),
    text.join('\n'),
  );
  assert.ok(!text.join('\n').includes('short"'), 'the key itself is not printed');
});
