import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * until polls `fn` until it returns a truthy value and resolves to it, or rejects after `timeoutMs` naming what it
 * waited for (and `detail()`, the state worth seeing in the failure). For tests and benchmarks against real processes,
 * where things happen "soon" rather than at a known time.
 */
export async function until<T>(
  what: string,
  fn: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  o: { timeoutMs?: number; intervalMs?: number; detail?: () => string } = {},
): Promise<T> {
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

/** freePort returns one loopback port that was free a moment ago (for an address nothing listens on, or a server to start). */
export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/**
 * tempDir creates a fresh directory under the system temp dir whose removal is registered before it is returned, so
 * it goes even when the test fails: with `t.after` when given the test context `t` (removed when that test ends),
 * else with node:test's `after` (when the enclosing test, suite or file ends). Stop whatever writes into it (a
 * process, a store) in an `after` hook registered later, or before the test ends: hooks run in the order registered.
 */
export function tempDir(prefix = 'etcd-monitor-test', t?: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), prefix.endsWith('-') ? prefix : `${prefix}-`));
  const remove = () => rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  if (t) t.after(remove);
  else after(remove);
  return dir;
}

export { startRedis, type TestRedis } from './testing-redis.ts';
