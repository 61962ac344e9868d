// Across the authentication plugins: what they are configured with (HMAC secrets, API keys, password hashes) never
// leaves the gateway — not in its process log, not in the admin API, not in a refused reload's errors, not in answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { freePort, request, spawnGateway, startUpstream, waitFor } from '../test-helpers.ts';

const HMAC = 'hmac-secret-Zq81xk';
const KEY = 'api-key-Vb27pl';
const HASH = '$2y$05$fnerpDP6AnL4OTBMEqmO6O8Z3CgSSqjbvXrDztJjSacDAk1tcP79G';
const PAIR = Buffer.from('pingap:pair-pass-Yt55').toString('base64');
const SECRETS = [HMAC, KEY, HASH, HASH.slice(29), PAIR, 'pair-pass-Yt55'];

test('secrets of the authentication plugins appear in no log line, admin answer, reload error or client answer', async (t) => {
  const up = await startUpstream('up');
  t.after(() => up.close());
  const [port, admin] = [await freePort(), await freePort()];
  const conf = (jwtAlgorithm: string) => `
[basic]
admin_addr = "127.0.0.1:${admin}"
admin_token = "adm1n"
watch = false
log_level = "debug"
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.tokens]
category = "jwt"
secret = "${HMAC}"
algorithm = "${jwtAlgorithm}"
[plugins.keys]
category = "key_auth"
keys = ["${KEY}"]
[plugins.logins]
category = "basic_auth"
htpasswd = ['alice:${HASH}']
authorizations = ["${PAIR}"]
[plugins.any]
category = "combined_auth"
plugins = ["tokens", "keys", "logins"]
[locations.l]
upstream = "up"
plugins = ["any"]
[servers.main]
addr = "127.0.0.1:${port}"
locations = ["l"]
access_log = "{method} {uri} {status} {>Authorization}"
`;
  const gw = spawnGateway(t, conf('HS256'));
  await waitFor(
    async () => (await request(port).catch(() => undefined))?.status === 401,
    30_000,
    () => `the gateway to serve (stderr: ${gw.stderr()})`,
  );
  const answers: string[] = [];
  const take = async (r: Promise<{ status: number; headers: object; body: string }>) => {
    const x = await r;
    answers.push(`${x.status} ${JSON.stringify(x.headers)} ${x.body}`);
    return x;
  };
  const forged = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('not-the-secret'));
  await take(request(port, { headers: { authorization: `Bearer ${forged}` } }));
  await take(request(port, { headers: { 'x-api-key': `${KEY}x` } }));
  await take(request(port, { path: `/?api_key=${KEY}` }));
  await take(request(port, { headers: { authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` } }));
  const good = await take(request(port, { headers: { 'x-api-key': KEY } }));
  assert.equal(good.status, 200);
  for (const path of ['/metrics', '/health', '/admin/upstreams']) await take(request(admin, { path, headers: { authorization: 'Bearer adm1n' } }));

  // A reload with a jwt entry that does not validate is refused with its errors, which name keys, not values.
  writeFileSync(gw.file, conf('ES256'));
  const refused = await take(request(admin, { method: 'POST', path: '/admin/reload', headers: { authorization: 'Bearer adm1n' } }));
  assert.notEqual(refused.status, 200);
  assert.match(refused.body, /plugins\.tokens\.algorithm/);
  assert.equal((await request(port, { headers: { 'x-api-key': KEY } })).status, 200, 'the running config stays');

  const everything = `${gw.stderr()}\n${answers.join('\n')}`;
  for (const s of SECRETS) assert.ok(!everything.includes(s), `"${s.slice(0, 6)}…" leaked:\n${everything}`);
});
