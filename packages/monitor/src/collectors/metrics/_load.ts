import { readFileSync } from 'node:fs';
import { createMetricsCollector } from './collector.ts';
const urls = readFileSync('/tmp/ft.out', 'utf8').trim().split('\n');
let samples = 0, errors = 0;
const cs = urls.map((url) => createMetricsCollector({ url, intervalMs: 5000, timeoutMs: 3000, onSample: () => { samples++; }, onError: (e) => { errors++; console.error(e.message); } }));
cs.forEach((c, i) => setTimeout(() => c.start(), (i * 5000) / cs.length).unref());
await new Promise((r) => setTimeout(r, 6000));
const c0 = process.cpuUsage(); const t0 = performance.now();
for (let k = 0; k < 5; k++) {
  await new Promise((r) => setTimeout(r, 5000));
  const m = process.memoryUsage();
  console.log(k, { rss: (m.rss / 1e6).toFixed(0), heapTotal: (m.heapTotal / 1e6).toFixed(0), heapUsed: (m.heapUsed / 1e6).toFixed(0), ab: (m.arrayBuffers / 1e6).toFixed(0) });
}
const c1 = process.cpuUsage(c0); const dt = performance.now() - t0;
console.log({ samples, errors, cpuPct: ((c1.user + c1.system) / 1000 / dt * 100).toFixed(1) });
await Promise.all(cs.map((c) => c.stop()));
