import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseChannel, createSender } from '../index.ts';
import { freePort, tempDir, until } from '@etcd-monitor/core/testing';
import { sampleAlert, sampleNotification, startReceiver } from '../testdata/receiver.ts';
import { postableAlerts } from './alertmanager.ts';

const BIN = 'prometheus-alertmanager';
const INSTALL = 'apt-get install -y prometheus-alertmanager';

/** startAlertmanager runs Debian's Alertmanager on a free loopback port, clustering off, and waits until it is ready. */
async function startAlertmanager(dir: string): Promise<{ url: string; proc: ChildProcess; log: () => string }> {
  const probe = spawnSync(BIN, ['--version'], { encoding: 'utf8' });
  assert.ok(!probe.error, `${BIN} is not installed (${probe.error?.message}); install it with: ${INSTALL}`);
  const port = await freePort();
  const config = join(dir, 'alertmanager.yml');
  writeFileSync(config, 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n');
  const proc = spawn(BIN, [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, `--storage.path=${join(dir, 'data')}`, '--cluster.listen-address='], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (log += c));
  const url = `http://127.0.0.1:${port}`;
  const ready = async () => {
    if (proc.exitCode !== null) throw new Error(`Alertmanager exited with code ${proc.exitCode}:\n${log}`);
    // Refused until it listens.
    return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok;
  };
  try {
    await until(`Alertmanager to be ready on ${url}`, ready, { intervalMs: 100, detail: () => log });
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  return { url, proc, log: () => log };
}

interface ApiAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  status: { state: string };
  fingerprint: string;
  generatorURL: string;
}

test('alertmanager forwards alerts to a real Alertmanager and resolves them', async (t) => {
  const dir = tempDir('mon-am', t);
  const am = await startAlertmanager(dir);
  t.after(() => void am.proc.kill('SIGKILL'));
  const sender = createSender(parseChannel({ name: 'am', type: 'alertmanager', url: `${am.url}/` }, 'channels[0]'));

  const now = Date.now();
  const firing = sampleNotification({ alerts: [sampleAlert({ startsAt: now - 60_000, activeAt: now - 120_000 })], createdAt: now });
  const res = await sender.send(firing, AbortSignal.timeout(5_000));
  assert.deepEqual(res, { ok: true, retry: false, status: 200 }, am.log());

  const listed = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as ApiAlert[];
  assert.equal(listed.length, 1);
  assert.deepEqual(listed[0]!.labels, sampleAlert().labels);
  assert.deepEqual(listed[0]!.annotations, sampleAlert().annotations);
  assert.equal(listed[0]!.status.state, 'active');
  assert.equal(listed[0]!.generatorURL, 'http://monitor.example:8080/');

  const resolved = sampleNotification({ id: 'n-2', alerts: [sampleAlert({ state: 'resolved', startsAt: now - 60_000, endsAt: now - 1_000 })], createdAt: now });
  assert.equal((await sender.send(resolved, AbortSignal.timeout(5_000))).ok, true);
  const after = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as ApiAlert[];
  assert.deepEqual(after, [], 'a resolved alert leaves the active list');
});

test('alertmanager: the bad request Alertmanager answers for an invalid alert is permanent', async (t) => {
  const rcv = await startReceiver(() => ({ status: 400, body: '{"code":400,"message":"start time must be before end time"}' }));
  t.after(() => rcv.close());
  const sender = createSender(parseChannel({ name: 'am', type: 'alertmanager', url: rcv.url, bearer_token: 'tok-123456' }, 'c'));
  const res = await sender.send(sampleNotification(), AbortSignal.timeout(5_000));
  assert.equal(res.retry, false);
  assert.equal(rcv.received[0]!.path, '/api/v2/alerts');
  assert.equal(rcv.received[0]!.headers.authorization, 'Bearer tok-123456');
});

test('postableAlerts: firing alerts end firing_ttl after the notification, resolved ones at their end', () => {
  const n = sampleNotification({ createdAt: 1_000, alerts: [sampleAlert({ startsAt: 500 }), sampleAlert({ state: 'resolved', startsAt: 500, endsAt: 900 })] });
  const [f, r] = postableAlerts(n, 60_000, 2_000);
  assert.equal(f!.startsAt, new Date(500).toISOString());
  assert.equal(f!.endsAt, new Date(62_000).toISOString());
  assert.equal(r!.endsAt, new Date(900).toISOString());
  assert.deepEqual(postableAlerts(sampleNotification({ externalUrl: 'not a url' }), 1)[0]!.generatorURL, undefined);
});
