// Parse speed of one real etcd /metrics dump: `node packages/etcd/src/prom/parse.bench.ts [iterations]`.
// The monitor parses ~100 such dumps every 5 s, so this number times 100 must stay well under 5000 ms.
import { metricsDump } from '../testing/dumps.ts';
import { parsePrometheusText } from './parse.ts';

const text = metricsDump('t0');
const iterations = Number(process.argv[2] ?? 1000);

for (let i = 0; i < 100; i++) parsePrometheusText(text); // let the JIT settle before timing
const start = performance.now();
let samples = 0;
for (let i = 0; i < iterations; i++) {
  for (const f of parsePrometheusText(text).families.values()) samples += f.samples.length;
}
const ms = performance.now() - start;
console.log(
  `${iterations} parses of ${text.length} bytes (${samples / iterations} samples): ${ms.toFixed(0)} ms total, ${(ms / iterations).toFixed(3)} ms per parse, ${((text.length * iterations) / 1e6 / (ms / 1000)).toFixed(0)} MB/s`,
);
