import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChannel, createSender } from '../index.ts';
import { freePort } from '@etcd-monitor/core/testing';
import { sampleAlert, sampleNotification, startReceiver } from '../testdata/receiver.ts';
import type { WebhookMessage } from './webhook.ts';

const signal = () => AbortSignal.timeout(5_000);

test('webhook posts an Alertmanager v4 payload with the bearer token', async (t) => {
  const rcv = await startReceiver();
  t.after(() => rcv.close());
  const ch = parseChannel({ name: 'hook', type: 'webhook', url: `${rcv.url}/alerts?token=s3cr3t-token`, bearer_token: 'tok-abcdef' }, 'channels[0]');
  const resolved = sampleAlert({
    fingerprint: 'fp-2',
    state: 'resolved',
    annotations: { ...sampleAlert().annotations, summary: 'etcd-2 has no leader' },
    endsAt: Date.UTC(2026, 10, 25, 12, 5),
    labels: { ...sampleAlert().labels, member: 'etcd-2' },
  });
  const n = sampleNotification({ channel: 'hook', alerts: [sampleAlert(), resolved] });
  const res = await createSender(ch).send(n, signal());
  assert.deepEqual(res, { ok: true, retry: false, status: 200 });

  const [r] = rcv.received;
  assert.equal(r!.path, '/alerts?token=s3cr3t-token');
  assert.equal(r!.headers.authorization, 'Bearer tok-abcdef');
  assert.equal(r!.headers['x-etcd-monitor-notification-id'], 'n-1');
  const m = r!.body as WebhookMessage;
  assert.equal(m.version, '4');
  assert.equal(m.groupKey, n.groupKey);
  assert.equal(m.status, 'firing');
  assert.equal(m.receiver, 'hook');
  assert.deepEqual(m.groupLabels, n.groupLabels);
  assert.deepEqual(m.commonLabels, n.commonLabels);
  assert.equal(m.commonAnnotations.runbook, 'https://runbooks.example/etcd#noleader');
  assert.equal(m.commonAnnotations.summary, undefined, 'summaries differ between the alerts');
  assert.equal(m.externalURL, 'http://monitor.example:8080');
  assert.equal(m.truncatedAlerts, 0);
  assert.deepEqual(m.alerts[0], {
    status: 'firing',
    labels: sampleAlert().labels,
    annotations: sampleAlert().annotations,
    startsAt: '2026-11-25T12:01:00.000Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://monitor.example:8080',
    fingerprint: 'fp-1',
  });
  assert.equal(m.alerts[1]!.status, 'resolved');
  assert.equal(m.alerts[1]!.endsAt, '2026-11-25T12:05:00.000Z');
});

test('webhook uses basic auth and truncates to max_alerts', async (t) => {
  const rcv = await startReceiver();
  t.after(() => rcv.close());
  const ch = parseChannel({ name: 'hook', type: 'webhook', url: rcv.url, username: 'am', password: 'pw-123456', max_alerts: 1 }, 'c');
  const n = sampleNotification({ alerts: [sampleAlert(), sampleAlert({ fingerprint: 'fp-3' })] });
  assert.equal((await createSender(ch).send(n, signal())).ok, true);
  assert.equal(rcv.received[0]!.headers.authorization, `Basic ${Buffer.from('am:pw-123456').toString('base64')}`);
  const m = rcv.received[0]!.body as WebhookMessage;
  assert.equal(m.alerts.length, 1);
  assert.equal(m.truncatedAlerts, 1);
});

test('webhook classifies 5xx, 408 and 429 as retry and other 4xx as permanent, without leaking the token', async (t) => {
  const statuses = [500, 503, 408, 429, 400, 404, 401];
  const rcv = await startReceiver((_r, i) => ({ status: statuses[i]!, body: `bad request for token=s3cr3t-token` }));
  t.after(() => rcv.close());
  const sender = createSender(parseChannel({ name: 'hook', type: 'webhook', url: `${rcv.url}/?token=s3cr3t-token` }, 'c'));
  const got = [];
  for (const _ of statuses) got.push(await sender.send(sampleNotification(), signal()));
  assert.deepEqual(
    got.map((r) => [r.status, r.retry]),
    [
      [500, true],
      [503, true],
      [408, true],
      [429, true],
      [400, false],
      [404, false],
      [401, false],
    ],
  );
  for (const r of got) {
    assert.equal(r.ok, false);
    assert.match(r.error!, /receiver answered HTTP \d+: bad request for token=\[redacted\]/);
    assert.doesNotMatch(r.error!, /s3cr3t/);
  }
});

test('webhook retries a refused connection and a receiver that does not answer in time', async (t) => {
  const down = await freePort();
  const refused = await createSender(parseChannel({ name: 'h', type: 'webhook', url: `http://127.0.0.1:${down}/x` }, 'c')).send(sampleNotification(), signal());
  assert.equal(refused.ok, false);
  assert.equal(refused.retry, true);
  assert.match(refused.error!, /ECONNREFUSED/);

  const rcv = await startReceiver(() => ({ status: 200, hang: true }));
  t.after(() => rcv.close());
  const slow = await createSender(parseChannel({ name: 'h', type: 'webhook', url: rcv.url }, 'c')).send(sampleNotification(), AbortSignal.timeout(200));
  assert.deepEqual(slow, { ok: false, retry: true, error: 'timed out waiting for the receiver' });
});
