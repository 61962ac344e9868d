import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { parseConfigText } from '../../config/load.ts';
import { formatIssue } from '../../config/fields.ts';
import { echo, request, startUpstream, useGateway } from '../../test-helpers.ts';

const SECRET = 'combined-hmac-secret';

test('combined_auth: a JWT, an API key, a Basic login or the auth service each let a request through; with none, one 401 offers every challenge; every method hides its credentials', async (t) => {
  const up = await startUpstream('up');
  const auth = await startUpstream('auth', (req, res) => {
    if (req.headers.cookie === 'sso=valid') return res.writeHead(204, { 'x-user-id': 'sso-user' }).end();
    res.writeHead(401, { 'www-authenticate': 'Cookie realm="sso"' }).end('sso: no session');
  });
  const gw = await useGateway(
    t,
    [up, auth],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.tokens]
category = "jwt"
secret = "${SECRET}"
claim_headers = { sub = "X-User-Id" }
[plugins.keys]
category = "key_auth"
keys = ["machine-key-1"]
[plugins.logins]
category = "basic_auth"
authorizations = ["${Buffer.from('ops:pa55').toString('base64')}"]
user_header = "X-User-Id"
[plugins.sso]
category = "forward_auth"
auth_url = "http://${auth.addr}/check"
add_headers = ["X-User-Id"]
[plugins.any]
category = "combined_auth"
plugins = ["tokens", "keys", "logins", "sso"]
[locations.l]
upstream = "up"
plugins = ["any"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const port = gw.port('main');
  const token = await new SignJWT({ sub: 'jwt-user' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(SECRET));
  const byJwt = await request(port, { headers: { authorization: `Bearer ${token}`, 'x-user-id': 'spoofed' } });
  assert.equal(byJwt.status, 200);
  assert.equal(echo(byJwt).headers['x-user-id'], 'jwt-user');
  const byKey = await request(port, { headers: { 'x-api-key': 'machine-key-1', 'x-user-id': 'spoofed' } });
  assert.equal(byKey.status, 200);
  assert.equal(echo(byKey).headers['x-api-key'], undefined, 'the key is hidden');
  assert.equal(echo(byKey).headers['x-user-id'], undefined, 'a client copy of a header the methods set is removed');
  const byBasic = await request(port, { headers: { authorization: `Basic ${Buffer.from('ops:pa55').toString('base64')}` } });
  assert.equal(byBasic.status, 200);
  assert.equal(echo(byBasic).headers.authorization, undefined, 'the Basic credentials are hidden');
  assert.equal(echo(byBasic).headers['x-user-id'], 'ops');
  const bySso = await request(port, { headers: { cookie: 'sso=valid' } });
  assert.equal(bySso.status, 200);
  assert.equal(echo(bySso).headers['x-user-id'], 'sso-user');

  const hits = up.hits;
  const none = await request(port, { headers: { 'x-api-key': 'guess' } });
  assert.equal(none.status, 401);
  assert.deepEqual(none.headers['www-authenticate'], 'Bearer, ApiKey header="X-API-Key", Basic realm="Restricted", charset="UTF-8", Cookie realm="sso"');
  assert.equal(none.body, 'combined_auth: no method accepted the request (jwt: no token; key_auth: wrong API key; basic_auth: no credentials; sso: no session)\n');
  assert.ok(!none.body.includes('guess'));
  assert.equal(up.hits, hits);
});

test('combined_auth options: unknown, non-authentication and repeated plugins, an empty list', () => {
  const { issues } = parseConfigText(`
[plugins.keys]
category = "key_auth"
keys = ["k"]
[plugins.request_id]
[plugins.any]
category = "combined_auth"
plugins = ["keys", "tokenz", "request_id", "keys"]
[plugins.empty]
category = "combined_auth"
plugins = []
[servers.s]
addr = "127.0.0.1:0"
`);
  assert.deepEqual(issues.map(formatIssue), [
    'plugins.any.plugins[1]: unknown plugin "tokenz" (define it under [plugins.tokenz])',
    'plugins.any.plugins[2]: "request_id" is a request_id plugin, not an authentication one (combine jwt, key_auth, basic_auth, forward_auth plugins)',
    'plugins.any.plugins[3]: "keys" is listed twice (list each plugin once)',
    'plugins.empty.plugins: is empty (name at least one authentication plugin entry)',
  ]);
});
