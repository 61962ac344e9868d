// `etcd-monitor ctl` against clusters with etcd authentication and with TLS client certificates.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { ctl } from './testing.ts';

describe('ctl with etcd authentication on', () => {
  const cluster = useCluster({ members: 1, auth: true });

  test('users, roles and auth status as etcdctl prints them; a permission denied is one line', async () => {
    const c = cluster.get();
    const root = ['--user', `root:${c.auth!.rootPassword}`];
    const run = (args: string[], o: { input?: string; user?: string[] } = {}) => ctl([...(o.user ?? root), ...args], { endpoints: c.endpoints, input: o.input });
    const steps: Array<[string[], string]> = [
      [['role', 'add', 'app'], 'Role app created\n'],
      [['role', 'grant-permission', 'app', 'readwrite', '/app/', '--prefix'], 'Role app updated\n'],
      [['role', 'grant-permission', 'app', 'read', '/shared'], 'Role app updated\n'],
      [['role', 'get', 'app'], 'Role app\nKV Read:\n\t[/app/, /app0) (prefix /app/)\n\t/shared\nKV Write:\n\t[/app/, /app0) (prefix /app/)\n'],
      [['user', 'add', 'alice:secret'], 'User alice created\n'],
      [['user', 'grant-role', 'alice', 'app'], 'Role app is granted to user alice\n'],
      [['user', 'get', 'alice'], 'User: alice\nRoles: app\n'],
    ];
    for (const [args, want] of steps) {
      const r = await run(args);
      assert.equal(r.stdout, want, `${args.join(' ')}: ${r.stderr}`);
      const real = await c.etcdctl(args[0] === 'user' && args[1] === 'add' ? ['user', 'get', 'alice'] : ['role', 'get', 'app']);
      assert.equal(real.code, 0);
    }
    // The same documents as etcdctl for the read-only ones.
    for (const args of [
      ['user', 'list', '-w', 'json'],
      ['role', 'list', '-w', 'json'],
      ['role', 'get', 'app', '-w', 'json'],
      ['user', 'get', 'alice'],
      ['role', 'get', 'app'],
      ['user', 'list'],
      ['user', 'get', 'alice', '--detail'],
      ['user', 'get', 'alice', '-w', 'fields'],
      ['user', 'list', '-w', 'fields'],
      ['role', 'get', 'app', '-w', 'fields'],
    ]) {
      const real = await c.etcdctl(args);
      const ours = await run(args);
      assert.equal(ours.stdout, real.stdout, args.join(' '));
      assert.equal(ours.code, real.code, args.join(' '));
    }
    assert.equal((await run(['auth', 'status'])).stdout, 'Authentication Status: true\nAuthRevision: 0\n');

    const alice = ['--user', 'alice', '--password', 'secret'];
    assert.equal((await run(['put', '/app/x', '1'], { user: alice })).stdout, 'OK\n');
    const denied = await run(['put', '/other', '1'], { user: alice });
    assert.equal(denied.code, 1);
    assert.equal(denied.stderr, `Error: ${c.endpoints[0]}: permission denied for user "alice" (grant the user a role with the needed permission)\n`);
    const real = await c.etcdctl(['put', '/other', '1'], { user: 'alice:secret' });
    assert.equal(real.code, denied.code);
    const wrong = await run(['get', '/app/x'], { user: ['--user', 'alice:nope'] });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^Error: .*authentication failed for user "alice": wrong user name or password/);
    const anon = await ctl(['get', '/app/x'], { endpoints: c.endpoints });
    assert.match(anon.stderr, /^Error: .*requires authentication \(pass --user NAME:PASSWORD\)\n$/);

    const env = await ctl(['get', '/app/x', '--print-value-only'], { env: { ETCDCTL_ENDPOINTS: c.endpoints[0], ETCDCTL_USER: 'alice:secret' } });
    assert.equal(env.stdout, '1\n');
    const envJson = await ctl(['get', '/app/x'], { env: { ETCDCTL_ENDPOINTS: c.endpoints[0], ETCDCTL_USER: 'alice:secret', ETCDCTL_WRITE_OUT: 'json' } });
    assert.match(envJson.stdout, /^\{"header":/);
    const conflict = await ctl(['get', '/app/x', '--user', 'alice:secret'], { env: { ETCDCTL_ENDPOINTS: c.endpoints[0], ETCDCTL_USER: 'alice:secret' } });
    assert.equal(conflict.code, 128);
    assert.match(conflict.stderr, /conflicting environment variable ETCDCTL_USER is shadowed by the command-line flag --user/);

    for (const [args, want] of [
      [['user', 'revoke-role', 'alice', 'app'], 'Role app is revoked from user alice\n'],
      [['role', 'revoke-permission', 'app', '/app/', '--prefix'], 'Permission of range [/app/, /app0) is revoked from role app\n'],
      [['role', 'revoke-permission', 'app', '/shared'], 'Permission of key /shared is revoked from role app\n'],
      [['user', 'passwd', 'alice', '--interactive=false'], 'Password updated\n'],
      [['user', 'delete', 'alice'], 'User alice deleted\n'],
      [['role', 'delete', 'app'], 'Role app deleted\n'],
    ] as Array<[string[], string]>) {
      const r = await run(args, { input: 'newpass\n' });
      assert.equal(r.stdout, want, `${args.join(' ')}: ${r.stderr}`);
    }
    const gone = await run(['user', 'get', 'alice']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^Error: .*etcdserver: user name not found\n$/);
  });
});

describe('ctl over TLS with client certificates', () => {
  const cluster = useCluster({ members: 1, tls: true });

  test('the connection flags and ETCDCTL_* variables of etcdctl; a missing CA is one clear line', async () => {
    const c = cluster.get();
    const tls = ['--cacert', c.tls!.caFile, '--cert', c.tls!.certFile, '--key', c.tls!.keyFile];
    const put = await ctl([...tls, 'put', '/tls', 'yes'], { endpoints: c.endpoints });
    assert.equal(put.stdout, 'OK\n', put.stderr);
    const real = await c.etcdctl(['get', '/tls', '-w', 'json']);
    const ours = await ctl([...tls, 'get', '/tls', '-w', 'json'], { endpoints: c.endpoints });
    assert.equal(ours.stdout, real.stdout);
    const env = await ctl(['endpoint', 'health', '-w', 'json'], {
      env: { ETCDCTL_ENDPOINTS: c.endpoints[0], ETCDCTL_CACERT: c.tls!.caFile, ETCDCTL_CERT: c.tls!.certFile, ETCDCTL_KEY: c.tls!.keyFile },
    });
    assert.equal(env.code, 0, env.stderr);
    assert.match(env.stdout, /"health":true/);
    const noCa = await ctl(['get', '/tls', '--cert', c.tls!.certFile, '--key', c.tls!.keyFile], { endpoints: c.endpoints });
    assert.equal(noCa.code, 1);
    assert.match(noCa.stderr, /^Error: .*TLS handshake failed: the server certificate is not trusted .*\(pass --cacert/);
    assert.equal(noCa.stderr.split('\n').length, 2);
  });
});
