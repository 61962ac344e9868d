import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from '@etcd-monitor/core/testing';
import { DatabaseSync } from 'node:sqlite';
import { isAppError } from '@etcd-monitor/core';
import { openOutbox, type DeliveryAttempt } from './outbox.ts';
import { sampleNotification } from '../notify/testdata/receiver.ts';

function tmp(t: { after: (fn: () => void) => void }): string {
  return join(tempDir('mon-outbox', t), 'outbox.db');
}

const attempt = (id: string, n: number, outcome: DeliveryAttempt['outcome'], over: Partial<DeliveryAttempt> = {}): DeliveryAttempt => ({
  notificationId: id,
  channel: 'ops',
  groupKey: 'g1',
  attempt: n,
  at: 1_000 * n,
  durationMs: 5,
  outcome,
  ...over,
});

test('enqueue is idempotent by id and survives reopening', (t) => {
  const path = tmp(t);
  let ob = openOutbox({ path, now: () => 100 });
  assert.equal(ob.enqueue(sampleNotification({ id: 'a' })), true);
  assert.equal(ob.enqueue(sampleNotification({ id: 'a' })), false, 'a replayed enqueue is a no-op');
  assert.equal(ob.enqueueMany([sampleNotification({ id: 'b' }), sampleNotification({ id: 'a' }), sampleNotification({ id: 'c' })]), 2);
  ob.close();
  ob = openOutbox({ path });
  assert.deepEqual(
    ob.pending().map((e) => [e.id, e.state, e.attempts, e.enqueuedAt]),
    [
      ['a', 'pending', 0, 100],
      ['b', 'pending', 0, 100],
      ['c', 'pending', 0, 100],
    ],
  );
  assert.deepEqual(ob.get('b')!.notification, sampleNotification({ id: 'b' }));
  assert.equal((new DatabaseSync(path).prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
  ob.close();
  assert.throws(
    () => ob.enqueue(sampleNotification()),
    (e) => isAppError(e, 'MON_OUTBOX_CLOSED'),
  );
});

test('due returns only the head of each group, after its next attempt time, unleased', (t) => {
  const ob = openOutbox({ path: tmp(t), now: () => 0 });
  t.after(() => ob.close());
  ob.enqueueMany([
    sampleNotification({ id: 'g1-1', groupKey: 'g1' }),
    sampleNotification({ id: 'g1-2', groupKey: 'g1' }),
    sampleNotification({ id: 'g2-1', groupKey: 'g2' }),
    sampleNotification({ id: 'g1-other', groupKey: 'g1', channel: 'mail' }),
  ]);
  assert.deepEqual(
    ob.due(0, 10).map((e) => e.id),
    ['g1-1', 'g2-1', 'g1-other'],
  );
  assert.deepEqual(
    ob.due(0, 10, ['mail']).map((e) => e.id),
    ['g1-1', 'g2-1'],
  );
  assert.equal(ob.lease('g1-1', 0, 5_000), true);
  assert.equal(ob.lease('g1-1', 10, 5_000), false, 'a held lease cannot be taken');
  assert.deepEqual(
    ob.due(10, 10).map((e) => e.id),
    ['g2-1', 'g1-other'],
    'a leased head holds back its whole group',
  );
  ob.record(attempt('g1-1', 1, 'retry', { at: 20, error: 'HTTP 503', status: 503 }), { state: 'pending', nextAt: 1_000 });
  assert.deepEqual(
    ob.due(500, 10).map((e) => e.id),
    ['g2-1', 'g1-other'],
    'a head waiting for its retry holds back its group',
  );
  assert.equal(ob.nextDueAt(), 0);
  ob.record(attempt('g1-1', 2, 'delivered', { at: 1_000, status: 200 }), { state: 'delivered' });
  assert.deepEqual(
    ob.due(1_000, 10).map((e) => e.id),
    ['g1-2', 'g2-1', 'g1-other'],
  );
  const e = ob.get('g1-1')!;
  assert.equal(e.state, 'delivered');
  assert.equal(e.attempts, 2);
  assert.equal(e.doneAt, 1_005);
  assert.deepEqual(ob.counts(), { pending: 3, delivered: 1, failed: 0 });
});

test('the delivery log lists attempts newest first, by channel or notification', (t) => {
  const ob = openOutbox({ path: tmp(t) });
  t.after(() => ob.close());
  ob.enqueue(sampleNotification({ id: 'x' }));
  ob.enqueue(sampleNotification({ id: 'y', channel: 'mail', groupKey: 'g9' }));
  ob.record(attempt('x', 1, 'retry', { status: 500, error: 'receiver answered HTTP 500' }), { state: 'pending', nextAt: 0 });
  ob.record(attempt('x', 2, 'permanent', { status: 400, error: 'receiver answered HTTP 400' }), { state: 'failed' });
  ob.record(attempt('y', 1, 'delivered', { channel: 'mail', groupKey: 'g9', status: 250 }), { state: 'delivered' });
  assert.deepEqual(
    ob.log({ notificationId: 'x' }).map((a) => [a.attempt, a.outcome, a.status, a.error]),
    [
      [2, 'permanent', 400, 'receiver answered HTTP 400'],
      [1, 'retry', 500, 'receiver answered HTTP 500'],
    ],
  );
  assert.deepEqual(
    ob.log({ channel: 'mail' }).map((a) => a.notificationId),
    ['y'],
  );
  assert.equal(ob.log({ limit: 1 }).length, 1);
  assert.deepEqual(
    ob.entries({ state: 'failed' }).map((e) => [e.id, e.lastStatus, e.lastError]),
    [['x', 400, 'receiver answered HTTP 400']],
  );
  assert.equal(ob.prune(Number.MAX_SAFE_INTEGER), 2);
  assert.deepEqual(ob.log({}), []);
});

test("the outbox can live inside another database (the store's)", (t) => {
  const db = new DatabaseSync(tmp(t));
  const ob = openOutbox({ db });
  ob.enqueue(sampleNotification());
  ob.close();
  assert.equal((db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n, 1, 'close leaves a borrowed database open');
  db.close();
});

test('enqueue rejects a notification without id, channel or groupKey', (t) => {
  const ob = openOutbox({ path: tmp(t) });
  t.after(() => ob.close());
  assert.throws(
    () => ob.enqueue(sampleNotification({ id: '' })),
    (e) => isAppError(e, 'MON_OUTBOX_BAD_NOTIFICATION') && e.field === 'id',
  );
});
