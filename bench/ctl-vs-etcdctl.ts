// `etcd-monitor ctl` beside etcdctl 3.4 on the same 1-member etcd (loopback), each as its own process:
//
//   node bench/ctl-vs-etcdctl.ts [keys=100000] [rate=10000] [seconds=3] [--before DIR]
//
// --before DIR adds a third tool, `ctl-before`: the bin of another checkout (e.g. `git worktree add DIR main`, with
// `npm run build` run there), measured in the same alternating runs, for a before/after comparison at the same load.
//
// (1) `get --prefix` of `keys` keys of ~100 bytes (simple and -w json), `get` of one key and `version` (start-up),
//     output to /dev/null: wall time, CPU time (user + system) and peak RSS (GNU time's %e, %U + %S, %M), best of 5
//     runs each (15 for the start-up cases), alternating; CPU time suffers less than wall time from other work on the
//     machine. (2) `watch --prefix` while a writer puts `rate` keys per second for `seconds`: the time from the first
//     put until the watcher has printed every event, and the watcher's peak RSS (VmHWM). The load average is printed
//     before and after.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { EtcdRpc, MemberClient, resolveConnectionOptions } from '@etcd-monitor/etcd';
import { startCluster } from '@etcd-monitor/etcd/testing';

const argv = process.argv.slice(2);
const beforeAt = argv.indexOf('--before');
const before = beforeAt >= 0 ? argv.splice(beforeAt, 2)[1] : undefined;
const keys = Number(argv[0] ?? 100_000);
const rate = Number(argv[1] ?? 10_000);
const seconds = Number(argv[2] ?? 3);
const BIN = fileURLToPath(new URL('../packages/cli/bin/etcd-monitor.js', import.meta.url));
const cluster = await startCluster({ members: 1, extraArgs: ['--quota-backend-bytes=4294967296'] });
const ep = cluster.endpoints[0]!;
const rpc = new EtcdRpc(new MemberClient(ep, resolveConnectionOptions({ endpoints: ep, commandTimeout: '30s' })));
// The bin runs as a user runs it, through its #! line (its Node.js flags and environment count: a start-up V8 flag
// once cost every ctl command ~40 ms), with this Node.js first on PATH.
const tools: Record<string, string[]> = { etcdctl: ['etcdctl'], ctl: [BIN, 'ctl'] };
if (before) tools['ctl-before'] = [`${before.replace(/\/$/, '')}/packages/cli/bin/etcd-monitor.js`, 'ctl'];
const env = { ...process.env, ETCDCTL_API: '3', PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

// The bin runs packages/*/dist when it is newer than the sources, else strips TypeScript at every start: build it.
spawnSync(process.execPath, ['--disable-warning=ExperimentalWarning', fileURLToPath(new URL('../packages/cli/src/build-dist.ts', import.meta.url))], { stdio: 'inherit' });
console.log(`load average ${load()}`);

try {
  // ~100-byte keys and values under one prefix, 128 puts per transaction (etcd's default --max-txn-ops).
  const value = 'v'.repeat(60);
  for (let i = 0; i < keys; i += 128) {
    const ops = [];
    for (let j = i; j < Math.min(keys, i + 128); j++) ops.push({ type: 'put' as const, key: `/bench/get/${String(j).padStart(8, '0')}-${'k'.repeat(20)}`, value });
    await rpc.txn({ compare: [], success: ops, failure: [] });
  }
  console.log(`loaded ${keys} keys`);
  await rpc.put('/bench/one', 'value');
  // Runs alternate between the tools, so a change in the machine's load hits both alike; the best run of each counts.
  // Start-up takes ~0.1 s, so its cases run 15 times: the best of 5 moved by ±0.03 s on a busy machine.
  const runs = 5;
  const startupRuns = 15;
  const cases: Array<[string, string[]]> = [
    [`get --prefix, ${keys} keys`, ['get', '/bench/get/', '--prefix']],
    [`get --prefix -w json, ${keys} keys`, ['get', '/bench/get/', '--prefix', '-w', 'json']],
    ['get of one key (start-up)', ['get', '/bench/one']],
    ['version (start-up, no call)', ['version']],
  ];
  console.log(`\nbest of ${runs} (${startupRuns} for start-up), runs alternating\ncommand                                  tool       seconds   CPU s   peak RSS MB   ctl/etcdctl`);
  for (const [title, args] of cases) {
    const best: Record<string, { s: number; cpu: number; mb: number }> = {};
    for (let run = 0; run < (title.includes('start-up') ? startupRuns : runs); run++) {
      for (const [name, cmd] of Object.entries(tools)) {
        const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', ...cmd, '--endpoints', ep, '--command-timeout', '60s', ...args], {
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
          maxBuffer: 1 << 20,
        });
        const [s, user, sys, kb] = r.stderr.toString().trim().split('\n').at(-1)!.split(' ').map(Number);
        if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
        if (!best[name] || s! < best[name].s) best[name] = { s: s!, cpu: best[name]?.cpu ?? Infinity, mb: kb! / 1024 };
        best[name].cpu = Math.min(best[name].cpu, user! + sys!);
      }
    }
    for (const name of Object.keys(tools)) {
      const ratio = name === 'etcdctl' ? '' : `${(best[name]!.s / Math.max(best.etcdctl!.s, 0.01)).toFixed(2)}x`;
      console.log(
        `${(name === 'etcdctl' ? title : '').padEnd(40)} ${name.padEnd(10)} ${best[name]!.s.toFixed(2).padStart(7)}   ${best[name]!.cpu.toFixed(2).padStart(5)}   ${best[name]!.mb.toFixed(0).padStart(11)}   ${ratio}`,
      );
    }
  }

  const total = rate * seconds;
  console.log(`\nwatch --prefix at ${rate} puts/s for ${seconds} s (${total} events)\ntool       seconds   peak RSS MB   events`);
  for (const [name, cmd] of Object.entries(tools)) {
    const prefix = `/bench/watch/${name}/`;
    const child = spawn(cmd[0]!, [...cmd.slice(1), '--endpoints', ep, 'watch', prefix, '--prefix'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let lines = 0;
    let peakKb = 0;
    child.stdout.on('data', (b: Buffer) => {
      for (const c of b) if (c === 10) lines++;
    });
    const hwm = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        // the process has exited
      }
    }, 100);
    await sleep(1500);
    const start = performance.now();
    // Each event prints three lines (PUT, key, value); the writer sends batches of 100 puts every 10 ms.
    const batch = 100;
    for (let i = 0; i < total; i += batch) {
      const due = start + (i / rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const ops = [];
      for (let j = i; j < Math.min(total, i + batch); j++) ops.push({ type: 'put' as const, key: `${prefix}${j % 1000}`, value: 'x'.repeat(80) });
      await rpc.txn({ compare: [], success: ops, failure: [] });
    }
    const deadline = performance.now() + 120_000;
    while (lines < total * 3 && performance.now() < deadline) await sleep(20);
    const took = (performance.now() - start) / 1000;
    clearInterval(hwm);
    child.kill('SIGINT');
    await new Promise((r) => child.once('close', r));
    console.log(`${name.padEnd(10)} ${took.toFixed(2).padStart(7)}   ${(peakKb / 1024).toFixed(0).padStart(11)}   ${Math.floor(lines / 3)}`);
  }
  console.log(`\nload average ${load()}`);
} finally {
  rpc.client.close();
  await cluster.stop();
}
