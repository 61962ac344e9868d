import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAppError } from '@etcd-monitor/core';
import { until } from '@etcd-monitor/core/testing';
import type { Notification } from '../types.ts';
import { createSender, parseChannel, type Sender } from '../notify/index.ts';
import type { WebhookMessage } from '../notify/webhook/webhook.ts';
import { sampleNotification, startReceiver, type Reply, type TestReceiver } from '../notify/testdata/receiver.ts';
import { openOutbox, type Outbox } from './outbox.ts';
import { backoffDelay, startDelivery, type DeliveryOptions, type DeliveryResult } from './delivery.ts';

// Fast retries keep the suite short; the logic is the same as with production delays.
const FAST = { backoff: { initialMs: 10, maxMs: 40 }, ratePerChannel: { perMinute: 60_000, burst: 1_000 }, timeoutMs: 2_000 } as const;

interface Rig {
  path: string;
  hook: Sender;
  rcv: TestReceiver;
  outbox: Outbox;
  results: DeliveryResult[];
  start(over?: Partial<DeliveryOptions>): ReturnType<typeof startDelivery>;
}

async function rig(t: { after: (fn: () => unknown) => void }, reply: (r: { body: unknown }, i: number) => Reply): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'mon-delivery-'));
  const rcv = await startReceiver(reply);
  const path = join(dir, 'outbox.db');
  const outbox = openOutbox({ path });
  const results: DeliveryResult[] = [];
  const stops: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const s of stops) await s();
    outbox.close();
    await rcv.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const hook = createSender(parseChannel({ name: 'hook', type: 'webhook', url: `${rcv.url}/hook` }, 'c'));
  return {
    path,
    hook,
    rcv,
    outbox,
    results,
    start(over = {}) {
      const d = startDelivery({ outbox, channels: new Map([['hook', hook]]), ...FAST, onResult: (r) => results.push(r), ...over });
      stops.push(() => d.stop());
      return d;
    },
  };
}

function n(id: string, groupKey = 'g1'): Notification {
  return sampleNotification({ id, channel: 'hook', groupKey });
}

test('a 500 is retried with backoff until the receiver answers 200, and every attempt is logged', async (t) => {
  const r = await rig(t, (_req, i) => (i < 2 ? { status: 500, body: 'boom' } : { status: 200 }));
  r.start();
  r.outbox.enqueue(n('a'));
  await until('delivery', () => r.outbox.get('a')?.state === 'delivered');
  assert.equal(r.rcv.received.length, 3);
  assert.deepEqual(
    r.outbox.log({ notificationId: 'a' }).map((a) => [a.attempt, a.outcome, a.status, a.error]),
    [
      [3, 'delivered', 200, undefined],
      [2, 'retry', 500, 'receiver answered HTTP 500: boom'],
      [1, 'retry', 500, 'receiver answered HTTP 500: boom'],
    ],
  );
  assert.deepEqual(
    r.results.map((x) => x.state),
    ['pending', 'pending', 'delivered'],
  );
  assert.equal((r.rcv.received[2]!.body as WebhookMessage).groupKey, 'g1');
});

test('a 400 is not retried: the entry fails at once and the log says permanent', async (t) => {
  const r = await rig(t, () => ({ status: 400, body: 'unknown field' }));
  r.start();
  r.outbox.enqueue(n('a'));
  await until('failure', () => r.outbox.get('a')?.state === 'failed');
  await new Promise((res) => setTimeout(res, 100));
  assert.equal(r.rcv.received.length, 1, 'no retry after a permanent failure');
  assert.deepEqual(
    r.outbox.log({ notificationId: 'a' }).map((a) => [a.outcome, a.status]),
    [['permanent', 400]],
  );
});

test('a receiver that does not answer in time is retried', async (t) => {
  const r = await rig(t, (_req, i) => (i === 0 ? { status: 200, hang: true } : { status: 200 }));
  r.start({ timeoutMs: 150 });
  r.outbox.enqueue(n('a'));
  await until('delivery', () => r.outbox.get('a')?.state === 'delivered');
  assert.deepEqual(
    r.outbox.log({ notificationId: 'a' }).map((a) => [a.outcome, a.error]),
    [
      ['delivered', undefined],
      ['retry', 'timed out waiting for the receiver'],
    ],
  );
});

test('retries stop at the max age and the entry is marked failed (expired)', async (t) => {
  const r = await rig(t, () => ({ status: 503 }));
  r.start({ maxAgeMs: 150 });
  r.outbox.enqueue(n('a'));
  await until('expiry', () => r.outbox.get('a')?.state === 'failed');
  const log = r.outbox.log({ notificationId: 'a' });
  assert.ok(log.length >= 2);
  assert.equal(log[0]!.outcome, 'expired');
  assert.match(log[0]!.error!, /gave up: older than the max age/);
  assert.ok(log.slice(1).every((a) => a.outcome === 'retry'));
});

test('a receiver that is down for a while gets everything once back, in order per group', async (t) => {
  let up = false;
  const r = await rig(t, () => (up ? { status: 200 } : { status: 503 }));
  r.start({ backoff: { initialMs: 20, maxMs: 80 } });
  const groups = ['g1', 'g2', 'g3'];
  const ids: Record<string, string[]> = { g1: [], g2: [], g3: [] };
  for (let i = 0; i < 30; i++) {
    const g = groups[i % 3]!;
    ids[g]!.push(`${g}-${i}`);
    r.outbox.enqueue(n(`${g}-${i}`, g));
  }
  await until('failed attempts while down', () => r.rcv.received.length >= 15);
  assert.equal(r.outbox.counts().pending, 30);
  up = true;
  await until('everything delivered', () => r.outbox.counts().delivered === 30);
  const arrived = r.rcv.received.map((x) => x.headers['x-etcd-monitor-notification-id'] as string);
  for (const g of groups) {
    const seen = arrived.filter((id) => id.startsWith(`${g}-`));
    // While down only the group's head was tried (and refused); after that the group arrived whole, in enqueue order.
    const firstOk = seen.lastIndexOf(ids[g]![0]!);
    assert.ok(
      seen.slice(0, firstOk).every((id) => id === ids[g]![0]),
      `only the head of ${g} was tried while down`,
    );
    assert.deepEqual(seen.slice(firstOk), ids[g], `group ${g} in order`);
  }
});

test('the per-channel rate limit holds sends back once the burst is spent', async (t) => {
  const r = await rig(t, () => ({ status: 200 }));
  r.start({ ratePerChannel: { perMinute: 60, burst: 2 } });
  for (let i = 0; i < 5; i++) r.outbox.enqueue(n(`a${i}`, `g${i}`));
  await r.rcv.waitFor((x) => x.length >= 2, 'the burst');
  // One token per second refills: within a fraction of that no third send can start.
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(r.rcv.received.length, 2);
  assert.equal(r.outbox.counts().pending, 3);
});

test('two workers on one outbox file never send the same entry twice, nor one entry twice at once', async (t) => {
  const r = await rig(t, () => ({ status: 200, delayMs: 30 }));
  const second = openOutbox({ path: r.path });
  r.start({ concurrency: 4 });
  const d2 = startDelivery({ outbox: second, channels: new Map([['hook', r.hook]]), ...FAST, concurrency: 4, pollMs: 20 });
  t.after(async () => {
    await d2.stop();
    second.close();
  });
  for (let i = 0; i < 40; i++) r.outbox.enqueue(n(`a${i}`, `g${i % 8}`));
  await until('delivery', () => r.outbox.counts().delivered === 40);
  assert.equal(r.rcv.maxConcurrentSameId, 1);
  assert.equal(r.rcv.received.length, 40, 'each entry sent exactly once');
});

test('sendTest sends a test notification at once, logs it, and names unknown channels', async (t) => {
  const r = await rig(t, () => ({ status: 200 }));
  const d = r.start({ externalUrl: 'http://monitor.example' });
  const a = await d.sendTest('hook');
  assert.equal(a.outcome, 'delivered');
  assert.equal(a.status, 200);
  const body = r.rcv.received[0]!.body as WebhookMessage;
  assert.equal(body.alerts[0]!.labels.alertname, 'EtcdMonitorTestNotification');
  assert.equal(body.externalURL, 'http://monitor.example');
  assert.deepEqual(
    r.outbox.log({ channel: 'hook' }).map((x) => [x.notificationId, x.outcome]),
    [[a.notificationId, 'delivered']],
  );
  assert.equal(r.outbox.get(a.notificationId)!.state, 'delivered');
  assert.equal(r.outbox.counts().pending, 0, 'a test is never queued for retry');
  await assert.rejects(d.sendTest('hok'), (e) => isAppError(e, 'MON_CHANNEL_NOT_FOUND') && e.hint === 'did you mean "hook"?');
});

test('stop aborts sends in flight and the next start sends them again', async (t) => {
  let slow = true;
  const r = await rig(t, () => (slow ? { status: 200, hang: true } : { status: 200 }));
  const d = r.start({ timeoutMs: 60_000 });
  r.outbox.enqueue(n('a'));
  await r.rcv.waitFor((x) => x.length === 1, 'the first send');
  await d.stop();
  assert.deepEqual(
    r.outbox.log({ notificationId: 'a' }).map((x) => [x.outcome, x.error]),
    [['retry', 'cancelled: delivery is stopping']],
  );
  slow = false;
  r.start();
  await until('redelivery', () => r.outbox.get('a')?.state === 'delivered');
});

test('entries for a channel that is not configured wait and are logged, not dropped', async (t) => {
  const r = await rig(t, () => ({ status: 200 }));
  r.start();
  r.outbox.enqueue(sampleNotification({ id: 'lost', channel: 'gone' }));
  await until('an attempt', () => r.outbox.log({ notificationId: 'lost' }).length >= 1);
  assert.equal(r.outbox.get('lost')!.state, 'pending');
  assert.match(r.outbox.log({ notificationId: 'lost' })[0]!.error!, /channel "gone" is not configured/);
});

test('a notifier that throws is retried, and one that ignores its signal is cut off at the timeout', async (t) => {
  const r = await rig(t, () => ({ status: 200 }));
  let calls = 0;
  const flaky: Sender = {
    send() {
      calls++;
      if (calls === 1) throw new Error('bug');
      if (calls === 2) return new Promise(() => {});
      return Promise.resolve({ ok: true, retry: false });
    },
  };
  const d = startDelivery({ outbox: r.outbox, channels: new Map([['hook', flaky]]), ...FAST, timeoutMs: 100 });
  t.after(() => d.stop());
  r.outbox.enqueue(n('a'));
  await until('delivery', () => r.outbox.get('a')?.state === 'delivered');
  assert.deepEqual(
    r.outbox
      .log({ notificationId: 'a' })
      .map((x) => x.error ?? x.outcome)
      .reverse(),
    ['notifier failed: bug', 'timed out waiting for the receiver', 'delivered'],
  );
});

test('backoffDelay doubles from initialMs up to maxMs, scaled by 50-100 % jitter', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 50].map((k) => backoffDelay(k, 100, 500, () => 1)),
    [100, 200, 400, 500, 500, 500],
  );
  assert.equal(
    backoffDelay(1, 100, 500, () => 0),
    50,
  );
});
