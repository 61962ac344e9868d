// Where a proxied request's allocations go: the gateway runs in this process (core 0) with V8's sampling heap profiler
// counting every allocation, garbage included, while wrk (core 1) sends small requests through it to an nginx upstream
// (core 1). Prints bytes allocated per request, the GCs, and the functions that allocate, by bytes per request.
//
//   node --max-semi-space-size=4 bench/gateway/alloc-profile.ts [--seconds 5] [--conns 8] [--top 25]
//
// Needs: nginx-light, wrk, util-linux (taskset). Not run in CI.
import { Session } from 'node:inspector/promises';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { plainGateway } from './in-process.ts';
import { LOAD_CORE, PROXY_CORE, benchDir, nginxConf, opt, start, stopAll, waitPort } from './procs.ts';

const seconds = Number(opt('seconds', '5'));
const conns = Number(opt('conns', '8'));
const top = Number(opt('top', '25'));
const UP_PORT = 18101;
const GW_PORT = 18102;
const { dir, upstreamBody } = benchDir('gw-alloc-');

// This process is the proxy: pinned like run.ts pins the gateway.
spawn('taskset', ['-pc', PROXY_CORE, String(process.pid)], { stdio: 'ignore' });
writeFileSync(join(dir, 'up.conf'), nginxConf(dir, UP_PORT, UP_PORT, upstreamBody));
start(LOAD_CORE, 'nginx', ['-c', join(dir, 'up.conf'), '-e', join(dir, 'up.err')]);
await waitPort(UP_PORT);
const gw = await plainGateway(UP_PORT, GW_PORT);

function wrk(secs: number): Promise<number> {
  return new Promise((r) => {
    const c = spawn('taskset', ['-c', LOAD_CORE, 'wrk', '-t1', `-c${conns}`, `-d${secs}s`, `http://127.0.0.1:${GW_PORT}/`]);
    let s = '';
    c.stdout.on('data', (d: Buffer) => (s += d.toString()));
    c.on('close', () => r(Number(/(\d+) requests in/.exec(s)?.[1] ?? 0)));
  });
}

await wrk(3); // JIT warm-up
const gcs = { scavenges: 0, scavengeMs: 0, other: 0, otherMs: 0 };
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const minor = (e as unknown as { detail: { kind: number } }).detail.kind === 1;
    if (minor) {
      gcs.scavenges++;
      gcs.scavengeMs += e.duration;
    } else {
      gcs.other++;
      gcs.otherMs += e.duration;
    }
  }
});
obs.observe({ entryTypes: ['gc'] });
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
const n = await wrk(seconds);
const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: Node } };
obs.disconnect();

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: Node[];
}
const bySite = new Map<string, number>();
let total = 0;
const walk = (node: Node, parent: string) => {
  const f = node.callFrame;
  const file = f.url.replace(/^.*\/(packages|node:)/, '$1');
  const here = f.functionName || f.url ? `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}` : parent;
  if (node.selfSize) {
    bySite.set(here, (bySite.get(here) ?? 0) + node.selfSize);
    total += node.selfSize;
  }
  for (const c of node.children) walk(c, here);
};
walk(profile.head, '(root)');
console.log(`${n} requests in ${seconds}s with ${conns} connections: ${(total / n).toFixed(0)} B allocated per request (sampled)`);
console.log(
  `GC: ${gcs.scavenges} scavenges (${gcs.scavengeMs.toFixed(1)} ms), ${gcs.other} other (${gcs.otherMs.toFixed(1)} ms); per 100k requests: ${((gcs.scavenges / n) * 1e5).toFixed(0)} scavenges, ${((gcs.scavengeMs / n) * 1e5).toFixed(0)} ms`,
);
for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${(bytes / n).toFixed(0).padStart(6)} B/req  ${site}`);
session.disconnect();
await gw.stop(0);
stopAll();
process.exit(0);
