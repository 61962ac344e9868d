import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import bcrypt from 'bcryptjs';
import { parseConfigText } from '../../config/load.ts';
import { formatIssue } from '../../config/fields.ts';
import { echo, request, startUpstream, useGateway } from '../../test-helpers.ts';

// Written by the real tools: `htpasswd -nbB -C 5 alice 'wonder land'` (Apache 2.4),
// `echo -n 'open sesame' | argon2 'pepper-salt-16b!' -id -t 2 -m 12 -p 1 -e` and
// `echo -n 'i-pass' | argon2 'another-salt-16b' -i -t 2 -m 10 -p 2 -e` (the argon2 reference CLI).
const ALICE = 'alice:$2y$05$fnerpDP6AnL4OTBMEqmO6O8Z3CgSSqjbvXrDztJjSacDAk1tcP79G';
const CAROL = 'carol:$argon2id$v=19$m=4096,t=2,p=1$cGVwcGVyLXNhbHQtMTZiIQ$UFcMYPaAWFYncW5ABrxeYecoampUvWI1p0dttrPvx4k';
const DAN = 'dan:$argon2i$v=19$m=1024,t=2,p=2$YW5vdGhlci1zYWx0LTE2Yg$w4z0TzcgpPamNxicrQu1Ii0Ns0HLKzkbOqMk4Xu9ihQ';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('basic_auth: bcrypt ($2y$ from htpasswd, $2b$), argon2id, argon2i and pingap pairs pass; wrong passwords and unknown users get 401 with the realm; credentials are hidden from the upstream', async (t) => {
  const up = await startUpstream('up');
  // A line written by the htpasswd on this machine too, when it is installed.
  const fresh = spawnSync('htpasswd', ['-nbB', '-C', '4', 'erin', 'from htpasswd'], { encoding: 'utf8' });
  const erin = fresh.status === 0 ? fresh.stdout.trim() : undefined;
  const bob = `bob:${bcrypt.hashSync('hunter2', 4)}`;
  const lines = [ALICE, bob, CAROL, DAN, ...(erin ? [erin] : [])];
  const gw = await useGateway(
    t,
    [up],
    `
[upstreams.up]
addrs = ["${up.addr}"]
[plugins.staging]
category = "basic_auth"
realm = "Staging \\"site\\""
htpasswd = [${lines.map((l) => `'${l}'`).join(', ')}]
authorizations = ["${Buffer.from('pingap:123123').toString('base64')}"]
user_header = "X-Forwarded-User"
[locations.l]
upstream = "up"
plugins = ["staging"]
[servers.main]
addr = "127.0.0.1:0"
locations = ["l"]
`,
  );
  const port = gw.port('main');
  const ok: [string, string][] = [
    ['alice', 'wonder land'],
    ['bob', 'hunter2'],
    ['carol', 'open sesame'],
    ['dan', 'i-pass'],
    ['pingap', '123123'],
    ...(erin ? [['erin', 'from htpasswd'] as [string, string]] : []),
  ];
  for (const [user, password] of ok) {
    for (let i = 0; i < 2; i++) {
      // The second round is answered from the verified-credential cache.
      const r = await request(port, { path: '/p', headers: { authorization: basic(user, password), 'x-forwarded-user': 'root' } });
      assert.equal(r.status, 200, `${user} round ${i}`);
      assert.equal(echo(r).headers.authorization, undefined, 'the credentials are not sent upstream');
      assert.equal(echo(r).headers['x-forwarded-user'], user);
    }
  }
  const hits = up.hits;
  const challenge = 'Basic realm="Staging \\"site\\"", charset="UTF-8"';
  const none = await request(port, { path: '/p' });
  assert.equal(none.status, 401);
  assert.equal(none.headers['www-authenticate'], challenge);
  assert.equal(none.body, 'basic_auth: no credentials\n');
  for (const [user, password] of [
    ['alice', 'wonderland'],
    ['carol', 'open sesame!'],
    ['dan', ''],
    ['pingap', '1231234'],
    ['mallory', 'wonder land'],
  ]) {
    const r = await request(port, { path: '/p', headers: { authorization: basic(user!, password!) } });
    assert.equal(r.status, 401, `${user}:${password}`);
    assert.equal(r.headers['www-authenticate'], challenge);
    assert.equal(r.body, 'basic_auth: wrong user or password\n');
  }
  assert.equal((await request(port, { path: '/p', headers: { authorization: 'Bearer abc' } })).status, 401);
  assert.equal(up.hits, hits);
});

test('basic_auth options: no users, a line that is not user:hash, a weak or broken hash, a pair that is not base64 — reported without the hash', () => {
  const { issues } = parseConfigText(`
[plugins.none]
category = "basic_auth"
[plugins.bad]
category = "basic_auth"
htpasswd = ["nocolon", "eve:$apr1$abcdefgh$0123456789012345678901", "fay:$argon2id$v=19$m=4096,t=0,p=1$cGVwcGVyLXNhbHQtMTZiIQ$UFcMYPaAWFYncW5ABrxeYecoampUvWI1p0dttrPvx4k", "gus:$2y$05$short"]
authorizations = ["not base64!", "${Buffer.from('nocolon').toString('base64')}"]
[servers.s]
addr = "127.0.0.1:0"
`);
  const text = issues.map(formatIssue);
  assert.deepEqual(text, [
    'plugins.none.htpasswd: is required (or authorizations) (add "user:hash" lines made with: htpasswd -nB user)',
    'plugins.bad.htpasswd[0]: is not "user:hash" (write "user:hash" as htpasswd -nB user prints it)',
    'plugins.bad.htpasswd[1]: has a hash that is neither bcrypt ($2y$, $2b$, $2a$) nor argon2 ($argon2id$…); create it with htpasswd -B (write "user:hash" as htpasswd -nB user prints it)',
    'plugins.bad.htpasswd[2]: has argon2 parameters out of range (p 1–255, t 1–64, m 8×p KiB to 4 GiB) (write "user:hash" as htpasswd -nB user prints it)',
    'plugins.bad.htpasswd[3]: has a hash that is neither bcrypt ($2y$, $2b$, $2a$) nor argon2 ($argon2id$…); create it with htpasswd -B (write "user:hash" as htpasswd -nB user prints it)',
    'plugins.bad.authorizations[0]: is not base64 of "user:password" (make one with: echo -n "user:password" | base64)',
    'plugins.bad.authorizations[1]: is not base64 of "user:password" (make one with: echo -n "user:password" | base64)',
  ]);
  assert.ok(!text.join('\n').includes('UFcMYPaAW'), 'no hash in the issues');
});
