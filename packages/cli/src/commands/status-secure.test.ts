import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { runCli } from '../testing.ts';

describe('status over TLS with client certificates', () => {
  const cluster = useCluster({ members: 3, tls: true });

  test('works with --cacert, --cert and --key', async () => {
    const { endpoints, tls } = cluster.get();
    const r = await runCli(['status', '-w', 'json', '--endpoints', endpoints.join(','), '--cacert', tls!.caFile, '--cert', tls!.certFile, '--key', tls!.keyFile]);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.verdict, 'healthy', doc.reasons.join('; '));
    assert.equal(r.code, 0);
  });

  test('the same certificates from ETCDCTL_* variables work too', async () => {
    const { endpoints, tls } = cluster.get();
    const r = await runCli(['status', '-w', 'json'], {
      ETCDCTL_ENDPOINTS: endpoints.join(','),
      ETCDCTL_CACERT: tls!.caFile,
      ETCDCTL_CERT: tls!.certFile,
      ETCDCTL_KEY: tls!.keyFile,
    });
    assert.equal(JSON.parse(r.stdout).verdict, 'healthy');
  });

  test('a missing CA: one clear line naming the problem and --cacert', async () => {
    const { endpoints, tls } = cluster.get();
    const r = await runCli(['status', '--endpoints', endpoints.join(','), '--cert', tls!.certFile, '--key', tls!.keyFile]);
    assert.equal(r.code, 1);
    const reasons = r.stdout.split('verdict: ')[1]!.trim().split('\n').slice(1);
    assert.equal(reasons.length, 1, r.stdout);
    assert.match(reasons[0]!, /all 3 members fail the same way: TLS handshake failed: the server certificate is not trusted .*--cacert/);
  });
});

describe('status with etcd authentication', () => {
  const cluster = useCluster({ members: 3, auth: true });

  test('works with --user name:password', async () => {
    const { endpoints, auth } = cluster.get();
    const r = await runCli(['status', '-w', 'json', '--endpoints', endpoints.join(','), '--user', `reader:${auth!.readPassword}`]);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.verdict, 'healthy', doc.reasons.join('; '));
    assert.equal(r.code, 0);
  });

  test('a wrong password: one clear line naming the user, exit 2', async () => {
    const { endpoints } = cluster.get();
    const r = await runCli(['status', '--endpoints', endpoints.join(','), '--user', 'root', '--password', 'wrong']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^etcd-monitor: error: authentication failed for user "root": wrong user name or password \(check --user/);
  });

  test('no credentials on an auth cluster: says to pass --user, exit 2', async () => {
    const { endpoints } = cluster.get();
    const r = await runCli(['status', '--endpoints', endpoints.join(',')]);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /this cluster requires authentication \(pass --user NAME:PASSWORD\)/);
  });
});
