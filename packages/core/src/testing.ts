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
