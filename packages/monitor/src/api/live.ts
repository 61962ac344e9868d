import type { ServerResponse } from 'node:http';

interface Client {
  res: ServerResponse;
  cluster: string | undefined;
}

/**
 * LiveHub fans cluster updates and events out to Server-Sent Events clients. Updates of one cluster are coalesced to at
 * most one per `minIntervalMs`, so a busy cluster does not flood slow browsers; events are never coalesced.
 */
export class LiveHub {
  private readonly clients = new Set<Client>();
  private readonly pending = new Map<string, unknown>();
  private readonly lastSent = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly minIntervalMs: number;
  private readonly heartbeatMs: number;

  constructor(o: { minIntervalMs?: number; heartbeatMs?: number } = {}) {
    this.minIntervalMs = o.minIntervalMs ?? 250;
    this.heartbeatMs = o.heartbeatMs ?? 15_000;
  }

  /** start starts the keep-alive comments that hold idle streams open through proxies; idempotent. */
  start(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => this.broadcast(': keep-alive\n\n', undefined), this.heartbeatMs);
    this.heartbeat.unref();
  }

  /** add attaches an HTTP response as an SSE client, optionally for one cluster only. */
  add(res: ServerResponse, cluster?: string): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    const c: Client = { res, cluster };
    this.clients.add(c);
    res.on('close', () => this.clients.delete(c));
  }

  /** clientCount tells how many SSE clients are attached. */
  clientCount(): number {
    return this.clients.size;
  }

  /** update sends a cluster's new state, coalesced. */
  update(cluster: string, data: unknown): void {
    this.pending.set(cluster, data);
    if (this.timers.has(cluster)) return;
    const wait = Math.max(0, (this.lastSent.get(cluster) ?? 0) + this.minIntervalMs - Date.now());
    const t = setTimeout(() => {
      this.timers.delete(cluster);
      const d = this.pending.get(cluster);
      this.pending.delete(cluster);
      this.lastSent.set(cluster, Date.now());
      this.broadcast(`event: cluster\ndata: ${JSON.stringify(d)}\n\n`, cluster);
    }, wait);
    t.unref();
    this.timers.set(cluster, t);
  }

  /** event sends one event to every client watching its cluster. */
  event(cluster: string, data: unknown): void {
    this.broadcast(`event: event\ndata: ${JSON.stringify(data)}\n\n`, cluster);
  }

  /** close ends every client and timer. */
  close(): void {
    clearInterval(this.heartbeat);
    for (const t of this.timers.values()) clearTimeout(t);
    for (const c of this.clients) c.res.end();
    this.clients.clear();
  }

  private broadcast(frame: string, cluster: string | undefined): void {
    for (const c of this.clients) {
      if (cluster && c.cluster && c.cluster !== cluster) continue;
      c.res.write(frame);
    }
  }
}
