import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createSender, parseChannel } from '../notify/index.ts';
import { freePort, tempDir, until } from '@etcd-monitor/core/testing';
import { startReceiver } from '../notify/testdata/receiver.ts';
import { openOutbox } from './outbox.ts';
import { startDelivery } from './delivery.ts';

const CHILD = join(import.meta.dirname, 'testdata', 'enqueue-and-die.ts');
const COUNT = 300;
const GROUPS = 7;

/** runUntilKilled starts the child, SIGKILLs it once it has reported `after` enqueued ids, and returns the ids it reported. */
async function runUntilKilled(path: string, port: number, after: number): Promise<string[]> {
  const child = spawn(process.execPath, [CHILD, path, String(port), String(COUNT), String(GROUPS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ids: string[] = [];
  let buf = '';
  let killing = false;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buf += chunk;
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('n-')) ids.push(l);
    if (!killing && ids.length >= after) {
      killing = true;
      // A random delay lands the kill among enqueues, failed sends and their log writes.
      setTimeout(() => child.kill('SIGKILL'), Math.random() * 20);
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
  assert.equal(signal, 'SIGKILL', `child exited by itself with code ${code}`);
  return ids;
}

test('kill -9 with notifications pending for a down receiver: after restart every one arrives, in order per group', async (t) => {
  const dir = tempDir('mon-kill', t);
  const path = join(dir, 'outbox.db');
  const port = await freePort();

  const reported = await runUntilKilled(path, port, Math.floor(COUNT / 2 + Math.random() * (COUNT / 2)));
  assert.ok(reported.length >= COUNT / 2);

  // The receiver comes back on the same port; a new worker (as after a restart) drains what the dead one left.
  const rcv = await startReceiver(() => ({ status: 200 }), port);
  t.after(() => rcv.close());
  const outbox = openOutbox({ path });
  t.after(() => outbox.close());
  const stored = outbox.pending({ limit: COUNT }).map((e) => e.id);
  assert.ok(
    outbox.log({ limit: 1_000 }).some((a) => a.outcome === 'retry' && /ECONNREFUSED/.test(a.error ?? '')),
    'the child tried the down receiver and logged it',
  );
  const hook = createSender(parseChannel({ name: 'hook', type: 'webhook', url: `http://127.0.0.1:${port}/hook` }, 'c'));
  const d = startDelivery({
    outbox,
    channels: new Map([['hook', hook]]),
    backoff: { initialMs: 20, maxMs: 200 },
    timeoutMs: 2_000,
    ratePerChannel: { perMinute: 60_000, burst: 1_000 },
  });
  t.after(() => d.stop());
  // A lease the killed child held expires after its timeout, so allow a few seconds with nothing arriving.
  await until('nothing left pending', () => outbox.counts().pending === 0 && d.inFlight() === 0, { detail: () => JSON.stringify(outbox.counts()) });

  const arrived = rcv.received.map((r) => r.headers['x-etcd-monitor-notification-id'] as string);
  const unique = [...new Set(arrived)];
  for (const id of reported) assert.ok(unique.includes(id), `${id} was enqueued before the kill and must arrive`);
  // Ids the child enqueued but had not printed yet may be there too: their enqueue committed just before the kill.
  assert.ok(
    unique.every((id) => reported.includes(id) || stored.includes(id)),
    'nothing arrives that was not enqueued',
  );
  for (let g = 0; g < GROUPS; g++) {
    const order = unique.filter((id) => Number(id.slice(2)) % GROUPS === g).map((id) => Number(id.slice(2)));
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      `group g${g} arrived in enqueue order`,
    );
  }
  assert.equal(outbox.counts().delivered, unique.length);
});
