// 1,000 alerts firing at once, through the real pipeline stages (Dispatcher → durable outbox → delivery → webhook
// notifier → a real HTTP receiver), in two waves to show the delay does not grow; then the same burst in a child
// process that is SIGKILLed while its receiver is down, and a restart that must deliver every alert.
//
//   node bench/alerting-burst.ts            (the parent)
//   node bench/alerting-burst.ts child DIR PORT   (used internally)
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Dispatcher, defaultRoutes, fingerprint, createSender, parseChannel, openOutbox, startDelivery } from '../packages/monitor/src/alerting/index.ts';
import type { Alert } from '../packages/monitor/src/alerting/types.ts';

const N = 1000;
const CLUSTERS = 50;

function burst(wave: number, now: number): Alert[] {
  return Array.from({ length: N }, (_, i) => {
    const labels = { alertname: `etcdBench${i % 20}`, severity: 'warning', cluster: `c${i % CLUSTERS}`, member: `m${i}`, wave: String(wave) };
    return { fingerprint: fingerprint(labels), labels, annotations: { summary: `bench alert ${i}` }, state: 'firing', activeAt: now, startsAt: now };
  });
}

function pipeline(dir: string, port: number) {
  const outbox = openOutbox({ path: join(dir, 'outbox.db') });
  const hook = createSender(parseChannel({ name: 'hook', type: 'webhook', url: `http://127.0.0.1:${port}/hook` }, 'bench'));
  const delivery = startDelivery({
    outbox,
    channels: new Map([['hook', hook]]),
    backoff: { initialMs: 100, maxMs: 500 },
    ratePerChannel: { perMinute: 60_000, burst: 1000 },
    concurrency: 16,
  });
  // group by cluster: 1,000 alerts land in 50 groups; group_wait short so the bench measures the pipeline, not the wait.
  const routes = defaultRoutes(['hook']).map((r) => ({ ...r, groupBy: ['cluster'], groupWait: 200, groupInterval: 1000 }));
  const dispatcher = new Dispatcher({
    routes,
    deliver: (n) => {
      outbox.enqueue(n);
      delivery.kick();
    },
  });
  dispatcher.start(100);
  return { outbox, delivery, dispatcher };
}

if (process.argv[2] === 'child') {
  const [dir, port] = process.argv.slice(3);
  const p = pipeline(dir!, Number(port));
  p.dispatcher.ingest(burst(9, Date.now()));
  setInterval(() => {
    const c = p.outbox.counts();
    process.stdout.write(`${c.pending + c.delivered + c.failed}\n`);
  }, 50);
} else {
  const seen = new Map<number, Set<string>>();
  let up = true;
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (!up) return void res.writeHead(503).end();
      const p = JSON.parse(body) as { alerts: Array<{ fingerprint: string; labels: { wave: string } }> };
      for (const a of p.alerts) {
        const w = Number(a.labels.wave);
        if (!seen.has(w)) seen.set(w, new Set());
        seen.get(w)!.add(a.fingerprint);
      }
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const port = (receiver.address() as AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'alert-burst-'));
  const rows: string[] = [];
  try {
    const p = pipeline(dir, port);
    for (const wave of [1, 2]) {
      const t0 = performance.now();
      p.dispatcher.ingest(burst(wave, Date.now()));
      while ((seen.get(wave)?.size ?? 0) < N) await sleep(10);
      const dt = performance.now() - t0;
      const c = p.outbox.counts();
      rows.push(
        `| wave ${wave}: 1,000 alerts → 50 grouped notifications delivered and logged | ${dt.toFixed(0)} ms (200 ms of it group_wait) | delivered ${c.delivered}, pending ${c.pending}, failed ${c.failed} |`,
      );
      await sleep(1200);
    }
    p.dispatcher.stop();
    await p.delivery.stop();
    p.outbox.close();

    // kill -9 while the receiver is down, then restart with it up.
    up = false;
    const kdir = mkdtempSync(join(tmpdir(), 'alert-kill-'));
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'child', kdir, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let enqueued = 0;
    child.stdout.on('data', (d: Buffer) => (enqueued = Number(d.toString().trim().split('\n').pop())));
    while (enqueued < CLUSTERS) await sleep(20);
    await sleep(300);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    up = true;
    const t0 = performance.now();
    const q = pipeline(kdir, port);
    while ((seen.get(9)?.size ?? 0) < N && performance.now() - t0 < 60_000) await sleep(20);
    const got = seen.get(9)?.size ?? 0;
    rows.push(
      `| SIGKILL with ${enqueued} notifications queued for a down receiver → restart with it up | ${(performance.now() - t0).toFixed(0)} ms to deliver | ${got} of ${N} alerts arrived, ${N - got} lost |`,
    );
    q.dispatcher.stop();
    await q.delivery.stop();
    q.outbox.close();
    rmSync(kdir, { recursive: true, force: true });
  } finally {
    receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('| run | time | result |\n| --- | --- | --- |');
  for (const r of rows) console.log(r);
  console.log(
    '\nPeer: Alertmanager keeps notification state in memory and a snapshot file written every 15 min; a notification being retried when it is killed is not resent after restart unless the alert is sent to it again.',
  );
}
