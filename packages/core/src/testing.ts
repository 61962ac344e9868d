import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * until polls `fn` until it returns a truthy value and resolves to it, or rejects after `timeoutMs` naming what it
 * waited for (and `detail()`, the state worth seeing in the failure). For tests and benchmarks against real processes,
 * where things happen "soon" rather than at a known time.
 */
export async function until<T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, o: { timeoutMs?: number; intervalMs?: number; detail?: () => string } = {}): Promise<T> {
  const end = Date.now() + (o.timeoutMs ?? 20_000);
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() >= end) throw new Error(`timed out waiting for ${what}${o.detail ? `; ${o.detail()}` : ''}`);
    await sleep(o.intervalMs ?? 50);
  }
}

// Ports handed out by this process; the kernel may return a just-closed port again, and two members
// of one cluster must never share one.
const handedOut = new Set<number>();

/** freePorts returns n distinct loopback ports that were free a moment ago (bound to port 0 on 127.0.0.1, then closed). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  try {
    // All servers stay open until every port is read, so the kernel cannot hand one port out twice.
    while (ports.length < n) {
      const server = net.createServer();
      servers.push(server);
      const port = await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
          const addr = server.address();
          if (addr === null || typeof addr === 'string') reject(new Error('freePorts: no TCP address'));
          else resolve(addr.port);
        });
      });
      if (handedOut.has(port)) continue;
      handedOut.add(port);
      ports.push(port);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
  return ports;
}
