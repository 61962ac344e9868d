import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '@etcd-monitor/core/testing';
import { cleanStaleDemoDirs, pidAlive } from './demo-cleanup.ts';

const BIN = fileURLToPath(new URL('../../bin/etcd-monitor.js', import.meta.url));

function etcdPidsUnder(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(`${dir}/`) && !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${e}/stat`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

function startDemo(tmp: string, dataDir: string): { child: ChildProcess; out: () => string } {
  // TMPDIR keeps this test's demo folders apart from any other demo on the machine.
  const child = spawn(process.execPath, [BIN, 'demo', '--members', '1', '--listen', '127.0.0.1:0', '--data-dir', dataDir], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  return { child, out: () => out };
}

test('a demo killed with SIGKILL leaves its etcd folder and members behind; the next demo removes them, and only them', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'demo-stale-'));
  const started: ChildProcess[] = [];
  try {
    const first = startDemo(tmp, join(tmp, 'data'));
    started.push(first.child);
    const dir = await until('the first demo prints its etcd folder', () => /\(data in ([^)]+)\)/.exec(first.out())?.[1], { timeoutMs: 60_000, detail: first.out });
    await until('the first demo listens', () => /listening on/.test(first.out()), { timeoutMs: 60_000, detail: first.out });
    first.child.kill('SIGKILL');
    await until('the first demo is gone', () => !pidAlive(first.child.pid!) || first.child.exitCode !== null || first.child.signalCode !== null);
    // Its etcd member usually dies with it (a zombie, not counted); one that is still running must be stopped too.
    const orphans = etcdPidsUnder(dir);
    assert.ok(existsSync(dir), 'the killed demo could not clean up');

    // A folder whose demo still runs (this test process stands in for it) is not touched.
    const live = join(tmp, `etcd-monitor-demo-${process.pid}-live`);
    mkdirSync(live);

    const second = startDemo(tmp, join(tmp, 'data'));
    started.push(second.child);
    await until('the second demo listens', () => /listening on/.test(second.out()), { timeoutMs: 60_000, detail: second.out });
    assert.ok(!existsSync(dir), 'the stale folder is gone');
    assert.ok(
      second
        .out()
        .includes(
          `removed ${dir}, left by a demo that was killed (pid ${first.child.pid})${orphans.length ? `, and stopped its etcd members (pids ${orphans.join(', ')})` : ''}\n`,
        ),
      second.out(),
    );
    assert.deepEqual(
      orphans.filter((p) => pidAlive(p) && etcdPidsUnder(dir).includes(p)),
      [],
      'its etcd member is stopped',
    );
    assert.ok(existsSync(live), "a live demo's folder stays");
    const secondDir = /\(data in ([^)]+)\)/.exec(second.out())![1]!;
    const code = await new Promise<number | null>((resolve) => {
      second.child.on('exit', resolve);
      second.child.kill('SIGTERM');
    });
    assert.equal(code, 0, second.out());
    assert.ok(!existsSync(secondDir), 'a demo stopped normally removes its own folder');
  } finally {
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const p of etcdPidsUnder(tmp)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(tmp, { recursive: true, force: true });
  }
});

test("cleanStaleDemoDirs stops what still runs in a dead demo's folder before removing it, and leaves live demos alone", async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'demo-clean-'));
  const dead = spawn('true');
  await new Promise((r) => dead.on('exit', r));
  const stale = join(tmp, `etcd-monitor-demo-${dead.pid}-abc`);
  const live = join(tmp, `etcd-monitor-demo-${process.pid}-def`);
  mkdirSync(stale);
  mkdirSync(live);
  // Stands in for an etcd member that outlived its demo: its command line names a path in the folder.
  const orphan = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300000)', `${stale}/etcd-1.data`], { stdio: 'ignore' });
  const bystander = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300000)', `${live}/etcd-1.data`], { stdio: 'ignore' });
  try {
    await until('the stand-ins run', () => etcdPidsUnder(stale).length === 1 && etcdPidsUnder(live).length === 1);
    const cleaned = await cleanStaleDemoDirs({ dir: tmp });
    assert.deepEqual(cleaned, [{ dir: stale, pid: dead.pid, killed: [orphan.pid] }]);
    assert.ok(!existsSync(stale));
    await until('the orphan is gone', () => orphan.exitCode !== null || orphan.signalCode !== null);
    assert.equal(orphan.signalCode, 'SIGKILL');
    assert.ok(existsSync(live));
    assert.equal(bystander.exitCode, null, "a live demo's process is not touched");
  } finally {
    orphan.kill('SIGKILL');
    bystander.kill('SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  }
});
