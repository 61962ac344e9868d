// Test helpers: a real HTTP receiver that records what arrives and answers as scripted, and sample notifications.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Alert, Notification } from '../../types.ts';

/** Received is one request a test receiver got. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  text: string;
  body: unknown;
}

/** Reply is how a test receiver answers one request. */
export interface Reply {
  status: number;
  body?: string;
  /** hang never answers (until the client gives up). */
  hang?: boolean;
  /** delayMs answers after this long. */
  delayMs?: number;
}

/** TestReceiver is a running receiver. */
export interface TestReceiver {
  url: string;
  port: number;
  received: Received[];
  /** maxConcurrentSameId is the most requests with the same notification id that were open at once. */
  maxConcurrentSameId: number;
  /** waitFor resolves once pred holds for the received list, checking after each request. */
  waitFor(pred: (r: Received[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** startReceiver listens on 127.0.0.1 (port 0 or the given one) and answers each request with reply(request, index). */
export async function startReceiver(reply: (r: Received, i: number) => Reply = () => ({ status: 200, body: 'ok' }), port = 0): Promise<TestReceiver> {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const open = new Map<string, number>();
  const hanging = new Set<() => void>();
  const rcv: TestReceiver = {
    url: '',
    port: 0,
    received,
    maxConcurrentSameId: 0,
    waitFor(pred, what, timeoutMs = 10_000) {
      if (pred(received)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!pred(received)) return;
          clearTimeout(t);
          waiters.delete(check);
          resolve();
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`receiver: timed out waiting for ${what}; got ${received.length} requests`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close() {
      for (const h of hanging) h();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, text, body };
      const id = String(req.headers['x-etcd-monitor-notification-id'] ?? (body as { dedup_key?: string } | undefined)?.dedup_key ?? '');
      if (id) {
        open.set(id, (open.get(id) ?? 0) + 1);
        rcv.maxConcurrentSameId = Math.max(rcv.maxConcurrentSameId, open.get(id)!);
        res.on('close', () => open.set(id, open.get(id)! - 1));
      }
      const plan = reply(r, received.length);
      received.push(r);
      for (const w of [...waiters]) w();
      if (plan.hang) {
        hanging.add(() => res.destroy());
        return;
      }
      const answer = () => res.writeHead(plan.status, { 'content-type': 'text/plain' }).end(plan.body ?? '');
      if (plan.delayMs) setTimeout(answer, plan.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  rcv.port = (server.address() as AddressInfo).port;
  rcv.url = `http://127.0.0.1:${rcv.port}`;
  return rcv;
}

/** sampleAlert is a firing NoLeader-style alert of cluster prod. */
export function sampleAlert(over: Partial<Alert> = {}): Alert {
  return {
    fingerprint: 'fp-1',
    labels: { alertname: 'EtcdNoLeader', severity: 'critical', cluster: 'prod', member: 'etcd-1' },
    annotations: { summary: 'etcd member etcd-1 of prod has no leader', description: 'No leader for 1m.', runbook: 'https://runbooks.example/etcd#noleader' },
    state: 'firing',
    value: 0,
    activeAt: Date.UTC(2026, 10, 25, 12, 0, 0),
    startsAt: Date.UTC(2026, 10, 25, 12, 1, 0),
    ...over,
  };
}

/** sampleNotification is a one-alert notification for channel ch; over replaces any field. */
export function sampleNotification(over: Partial<Notification> = {}): Notification {
  const alerts = over.alerts ?? [sampleAlert()];
  return {
    id: 'n-1',
    channel: 'ops',
    groupKey: '{}:{alertname="EtcdNoLeader", cluster="prod"}',
    status: alerts.some((a) => a.state !== 'resolved') ? 'firing' : 'resolved',
    alerts,
    groupLabels: { alertname: 'EtcdNoLeader', cluster: 'prod' },
    commonLabels: { alertname: 'EtcdNoLeader', severity: 'critical', cluster: 'prod', member: 'etcd-1' },
    externalUrl: 'http://monitor.example:8080',
    createdAt: Date.UTC(2026, 10, 25, 12, 1, 5),
    ...over,
  };
}
