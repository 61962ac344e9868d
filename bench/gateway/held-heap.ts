// What a gateway keeps per idle keep-alive connection: the gateway runs in this process behind a small upstream in this
// process too, a child process opens N keep-alive connections and sends one request on each, then (after the servers'
// once-a-second sweep has run) full GCs and a heap snapshot count what is reachable. Prints the heap used and the
// largest groups by constructor; compare two checkouts by running this file from each (the gateway's RSS under the
// same load is in run.ts, whose reading comes too soon after the connections for freed memory to show).
//
//   node bench/gateway/held-heap.ts [--conns 10000] [--top 25]
//
// Not run in CI.
import http from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { plainGateway } from './in-process.ts';
import { opt } from './procs.ts';

const conns = Number(opt('conns', '10000'));
const top = Number(opt('top', '25'));

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const up = http.createServer((_req, res) => res.end('ok'));
await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
const upPort = (up.address() as { port: number }).port;
const gw = await plainGateway(upPort);

// The clients live in another process, so that their sockets are not counted here.
const clients = `
import net from 'node:net';
const [port, n] = [Number(process.argv[1]), Number(process.argv[2])];
let ok = 0;
const one = () => new Promise((resolve) => {
  const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\\r\\nHost: bench\\r\\n\\r\\n'));
  s.on('error', () => resolve());
  let seen = '';
  s.on('data', (d) => { seen += d; if (seen.includes('\\r\\n\\r\\nok')) { ok++; resolve(); } });
});
for (let i = 0; i < n; i += 500) await Promise.all(Array.from({ length: Math.min(500, n - i) }, one));
console.log(ok);
process.stdin.on('data', () => process.exit(0));
`;
const child = spawn(process.execPath, ['--input-type=module', '-e', clients, String(gw.port('main')), String(conns)], { stdio: ['pipe', 'pipe', 'inherit'] });
const ok = await new Promise<string>((r) => child.stdout!.once('data', (d: Buffer) => r(d.toString().trim())));
await sleep(1500);
for (let i = 0; i < 4; i++) {
  gc();
  await sleep(10);
}
const heap = v8.getHeapStatistics().used_heap_size;
console.log(`${ok} of ${conns} keep-alive connections answered and held; heap used after full GCs ${(heap / 1e6).toFixed(1)} MB`);

const file = join(tmpdir(), `held-heap-${process.pid}.heapsnapshot`);
v8.writeHeapSnapshot(file);
const snap = JSON.parse(readFileSync(file, 'utf8')) as {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
};
rmSync(file);
const m = snap.snapshot.meta;
const nf = m.node_fields.length;
const iType = m.node_fields.indexOf('type');
const iName = m.node_fields.indexOf('name');
const iSize = m.node_fields.indexOf('self_size');
const groups = new Map<string, { n: number; bytes: number }>();
for (let i = 0; i < snap.nodes.length; i += nf) {
  const type = m.node_types[0][snap.nodes[i + iType]!]!;
  const name = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + iName]!]! : `(${type})`;
  const g = groups.get(name) ?? { n: 0, bytes: 0 };
  g.n++;
  g.bytes += snap.nodes[i + iSize]!;
  groups.set(name, g);
}
for (const [name, g] of [...groups].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top))
  console.log(`${String(g.n).padStart(8)} ${(g.bytes / 1e6).toFixed(2).padStart(7)} MB  ${name || '(anonymous)'}`);

child.stdin!.write('x');
await gw.stop(0);
up.close();
