import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseChannel, createSender, validateChannel } from '../index.ts';
import { sampleAlert, sampleNotification, startReceiver } from '../testdata/receiver.ts';
import { PAGERDUTY_EVENTS_URL } from './pagerduty.ts';

const signal = () => AbortSignal.timeout(5_000);
const KEY = 'R0ut1ngKeyR0ut1ngKeyR0ut1ngKey12';

test('pagerduty triggers and then resolves one incident with a stable dedup_key', async (t) => {
  const rcv = await startReceiver(() => ({ status: 202, body: '{"status":"success","message":"Event processed"}' }));
  t.after(() => rcv.close());
  const sender = createSender(parseChannel({ name: 'pd', type: 'pagerduty', routing_key: KEY, url: `${rcv.url}/v2/enqueue` }, 'c'));
  const firing = sampleNotification({ id: 'n-1' });
  const again = sampleNotification({ id: 'n-2', alerts: [sampleAlert(), sampleAlert({ fingerprint: 'fp-2', labels: { ...sampleAlert().labels, severity: 'warning' } })] });
  const resolved = sampleNotification({ id: 'n-3', alerts: [sampleAlert({ state: 'resolved', endsAt: Date.UTC(2026, 10, 25, 12, 9) })] });
  for (const n of [firing, again, resolved]) assert.deepEqual(await sender.send(n, signal()), { ok: true, retry: false, status: 202 });

  const [e1, e2, e3] = rcv.received.map((r) => r.body as Record<string, unknown> & { payload?: Record<string, unknown> });
  const key = createHash('sha256').update(firing.groupKey).digest('hex');
  assert.deepEqual([e1!.dedup_key, e2!.dedup_key, e3!.dedup_key], [key, key, key]);
  assert.equal(e1!.event_action, 'trigger');
  assert.equal(e1!.routing_key, KEY);
  assert.equal(e1!.payload!.severity, 'critical');
  assert.equal(e1!.payload!.source, 'prod');
  assert.equal(e1!.payload!.summary, '[FIRING:1] EtcdNoLeader prod (etcd-1 critical)');
  assert.equal(e1!.payload!.class, 'EtcdNoLeader');
  assert.equal(e1!.client_url, 'http://monitor.example:8080');
  assert.equal(e2!.payload!.severity, 'critical', 'the most severe firing alert wins');
  assert.deepEqual(e3, { routing_key: KEY, event_action: 'resolve', dedup_key: key });
});

test('pagerduty maps warning and info, and a configured severity overrides', async (t) => {
  const rcv = await startReceiver(() => ({ status: 202 }));
  t.after(() => rcv.close());
  const warn = sampleNotification({ alerts: [sampleAlert({ labels: { alertname: 'EtcdHighFsync', severity: 'warning' } })] });
  const info = sampleNotification({ alerts: [sampleAlert({ labels: { alertname: 'X', severity: 'info' } })] });
  const other = sampleNotification({ alerts: [sampleAlert({ labels: { alertname: 'X' } })] });
  const sender = createSender(parseChannel({ name: 'pd', type: 'pagerduty', routing_key: KEY, url: rcv.url }, 'c'));
  for (const n of [warn, info, other]) await sender.send(n, signal());
  await createSender(parseChannel({ name: 'pd', type: 'pagerduty', routing_key: KEY, url: rcv.url, severity: 'error' }, 'c')).send(warn, signal());
  assert.deepEqual(
    rcv.received.map((r) => (r.body as { payload: { severity: string } }).payload.severity),
    ['warning', 'info', 'error', 'error'],
  );
});

test('pagerduty: 400 is permanent, 429 and 500 retry, and the routing key never shows in errors', async (t) => {
  const plan = [{ status: 400, body: `{"status":"invalid event","errors":["routing_key ${KEY} invalid"]}` }, { status: 429 }, { status: 500 }];
  const rcv = await startReceiver((_r, i) => plan[i]!);
  t.after(() => rcv.close());
  const sender = createSender(parseChannel({ name: 'pd', type: 'pagerduty', routing_key: KEY, url: rcv.url }, 'c'));
  const got = [];
  for (const _ of plan) got.push(await sender.send(sampleNotification(), signal()));
  assert.deepEqual(
    got.map((r) => [r.status, r.retry]),
    [
      [400, false],
      [429, true],
      [500, true],
    ],
  );
  assert.doesNotMatch(got[0]!.error!, new RegExp(KEY));
});

test('pagerduty defaults url to the Events API v2 and checks the routing key', () => {
  const r = validateChannel({ name: 'pd', type: 'pagerduty', routing_key: KEY }, 'c');
  assert.ok(r.ok);
  assert.equal(r.channel.config.url, PAGERDUTY_EVENTS_URL);
  const bad = validateChannel({ name: 'pd', type: 'pagerduty', routing_key: 'has spaces!' }, 'channels[2]');
  assert.ok(!bad.ok);
  assert.equal(bad.issues[0]!.path, 'channels[2].routing_key');
  assert.doesNotMatch(JSON.stringify(bad.issues), /has spaces/);
});
