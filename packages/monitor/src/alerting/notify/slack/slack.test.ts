import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChannel, createSender } from '../index.ts';
import { sampleAlert, sampleNotification, startReceiver } from '../testdata/receiver.ts';

const signal = () => AbortSignal.timeout(5_000);

test('slack posts blocks and a text fallback to the incoming webhook', async (t) => {
  const rcv = await startReceiver();
  t.after(() => rcv.close());
  const ch = parseChannel({ name: 'team', type: 'slack', url: `${rcv.url}/services/T000/B000/XXXXXXXXXXXXXXXX`, channel: '#etcd', username: 'etcd-monitor' }, 'channels[0]');
  const n = sampleNotification({ alerts: [sampleAlert({ annotations: { summary: 'leader <lost> & gone' } })] });
  assert.deepEqual(await createSender(ch).send(n, signal()), { ok: true, retry: false, status: 200 });
  const r = rcv.received[0]!;
  assert.equal(r.path, '/services/T000/B000/XXXXXXXXXXXXXXXX');
  const body = r.body as { text: string; channel: string; username: string; blocks: { type: string; text?: { text: string }; elements?: { text: string }[] }[] };
  assert.equal(body.text, '[FIRING:1] EtcdNoLeader prod (etcd-1 critical)');
  assert.equal(body.channel, '#etcd');
  assert.equal(body.username, 'etcd-monitor');
  assert.equal(body.blocks[0]!.type, 'header');
  assert.match(body.blocks[1]!.text!.text, /:red_circle: \*leader &lt;lost&gt; &amp; gone\*/);
  assert.match(body.blocks[1]!.text!.text, /`cluster=prod`/);
  assert.match(body.blocks.at(-1)!.elements![0]!.text, /<http:\/\/monitor\.example:8080\|Open the monitor>/);
});

test("slack keeps the message within Slack's block limit", async (t) => {
  const rcv = await startReceiver();
  t.after(() => rcv.close());
  const alerts = Array.from({ length: 60 }, (_, i) => sampleAlert({ fingerprint: `fp-${i}` }));
  await createSender(parseChannel({ name: 's', type: 'slack', url: rcv.url }, 'c')).send(sampleNotification({ alerts }), signal());
  const body = rcv.received[0]!.body as { blocks: { elements?: { text: string }[] }[] };
  assert.ok(body.blocks.length <= 50);
  assert.match(body.blocks.at(-1)!.elements![0]!.text, /and 40 more alerts/);
});

test('slack treats invalid_payload (400) as permanent and 500 as retry, never echoing the webhook token', async (t) => {
  const rcv = await startReceiver((_r, i) => (i === 0 ? { status: 400, body: 'invalid_payload' } : { status: 500, body: 'XXXXXXXXXXXXXXXX' }));
  t.after(() => rcv.close());
  const sender = createSender(parseChannel({ name: 's', type: 'slack', url: `${rcv.url}/services/T000/B000/XXXXXXXXXXXXXXXX` }, 'c'));
  const bad = await sender.send(sampleNotification(), signal());
  assert.deepEqual(bad, { ok: false, retry: false, status: 400, error: 'receiver answered HTTP 400: invalid_payload' });
  const down = await sender.send(sampleNotification(), signal());
  assert.deepEqual(down, { ok: false, retry: true, status: 500, error: 'receiver answered HTTP 500: [redacted]' });
});
