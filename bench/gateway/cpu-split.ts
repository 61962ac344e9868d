// Where a proxy worker's CPU goes, from a `perf record` of it: self time grouped by what runs (the kernel's TCP path and
// the rest of the kernel, Node's C++/JavaScript boundary, V8's builtins and runtime, JIT-compiled JavaScript, llhttp,
// libc, clock reads, GC), for docs/gateway-latency.md ("CPU per request").
//
//   node --max-semi-space-size=4 --perf-basic-prof packages/cli/bin/etcd-monitor.js gateway -c gw.toml   # pinned, loaded
//   perf record -F 2999 -e cpu-clock -g -p <worker pid> -o gw.perf.data -- sleep 10
//   node bench/gateway/cpu-split.ts gw.perf.data [--top GROUP-PREFIX]
//
// cpu-clock because a VM usually has no hardware counters; --perf-basic-prof names the JIT's code. The groups are
// matched on symbol names, first match wins; `--top` lists the symbols of one group.
import { spawnSync } from 'node:child_process';
import { opt } from './procs.ts';

const file = process.argv[2];
if (!file || file.startsWith('--')) {
  console.error('usage: node bench/gateway/cpu-split.ts PERF.DATA [--top GROUP-PREFIX]');
  process.exit(2);
}
const top = opt('top', '');
const out = spawnSync('perf', ['report', '-i', file, '--no-children', '-g', 'none', '--sort', 'dso,sym', '-q', '--percent-limit', '0'], {
  encoding: 'utf8',
  maxBuffer: 64 << 20,
});
if (out.status !== 0) {
  console.error(out.stderr);
  process.exit(1);
}

type Rule = [string, (dso: string, sym: string) => boolean];
const node = (d: string) => d === 'node';
const rules: Rule[] = [
  [
    'kernel: TCP/IP send, the loopback receive it runs for the peer, reads',
    (d, s) => d === 'kernel' && /tcp|ip_|skb|sock|net|dev_|napi|bbr|inet|copy|csum|softirq|kmem|slab|alloc|kfree|memcg|page_frag/.test(s),
  ],
  ['kernel: syscall entry, epoll, sleeping and waking', (d) => d === 'kernel'],
  ['llhttp and its glue in Node (header strings, callbacks)', (d, s) => node(d) && /llhttp|http_parser/.test(s)],
  ['GC (V8 heap, scavenger, marking)', (d, s) => node(d) && /Heap|Scaveng|Mark|Sweep|Evacuat|GC|Slot|RememberedSet|MemoryChunk|Ephemeron|Pretenuring|Minor/.test(s)],
  [
    "Node's C++/JavaScript boundary (callback scopes, async ids, context frames, handles, Function::Call)",
    (d, s) =>
      node(d) &&
      !s.startsWith('Builtins') &&
      /Callback|async_context|AsyncHooks|AsyncWrap|HandleScope|GlobalHandles|Context::|Invoke|Execution|Function::Call|Isolate|MicrotaskQueue|TickInfo|Environment/.test(s),
  ],
  [
    "Node's stream and Buffer C++ (StreamBase, ArrayBuffer views, libuv)",
    (d, s) => node(d) && !s.startsWith('Builtins') && /Stream|Buffer|TypedArray|WriteWrap|uv_|uv__|FastWriteString|StringBytes/.test(s),
  ],
  ["V8 builtins, inline-cache misses, runtime (JavaScript's semantics in V8's own code)", (d) => node(d)],
  ['JIT-compiled JavaScript (the gateway and node:net/stream)', (d, s) => d.startsWith('[JIT]') || s.startsWith('JS:')],
  ['libc (malloc, free, memcpy, syscall wrappers)', (d) => d.startsWith('libc') || d.startsWith('libm')],
  ['clock reads (vDSO)', (d) => d === '[vdso]'],
];

const groups = new Map<string, number>();
const members = new Map<string, [number, string][]>();
let total = 0;
for (const line of out.stdout.split('\n')) {
  const m = /^\s*([\d.]+)%\s+(\S+(?: tid \d+)?)\s+\[(.)\]\s+(.*)$/.exec(line);
  if (!m) continue;
  const pct = Number(m[1]);
  const dso = m[3] === 'k' ? 'kernel' : m[2]!;
  const sym = m[4]!.trim();
  total += pct;
  const name = rules.find(([, f]) => f(dso, sym))?.[0] ?? `other: ${dso}`;
  groups.set(name, (groups.get(name) ?? 0) + pct);
  if (!members.has(name)) members.set(name, []);
  members.get(name)!.push([pct, sym]);
}
for (const [name, pct] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`${pct.toFixed(1).padStart(5)} %  ${name}`);
console.log(`${total.toFixed(1).padStart(5)} %  (total of the samples)`);
if (top) {
  for (const [name, list] of members) {
    if (!name.startsWith(top)) continue;
    console.log(`\n${name}:`);
    for (const [pct, sym] of list.sort((a, b) => b[0] - a[0]).slice(0, 30)) console.log(`  ${pct.toFixed(2).padStart(5)} %  ${sym.slice(0, 120)}`);
  }
}
