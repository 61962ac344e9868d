import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** DEMO_DIR_PREFIX starts the name of a demo's etcd folder, followed by the pid of the demo that owns it. */
export const DEMO_DIR_PREFIX = 'etcd-monitor-demo-';

/** demoDirPrefix is the temp-dir prefix for a demo run by this process: the owner's pid is in the name, so a later run can tell whether it is gone. */
export function demoDirPrefix(pid = process.pid): string {
  return `${DEMO_DIR_PREFIX}${pid}-`;
}

/** pidAlive tells whether a process exists (one of another user counts: EPERM). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** processesUsing lists the pids whose command line names a path inside dir: the etcd members a killed demo left running. */
function processesUsing(dir: string): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(`${dir}/`)) out.push(Number(e));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return out;
}

/**
 * cleanStaleDemoDirs removes the etcd folders of demos that were killed without cleaning up (SIGKILL, OOM): folders
 * named with a demo pid that no longer exists. The etcd members such a demo left running (their command line names
 * the folder) are killed first. Folders of a demo still running are left alone.
 */
export async function cleanStaleDemoDirs(o: { dir?: string; alive?: (pid: number) => boolean } = {}): Promise<Array<{ dir: string; pid: number; killed: number[] }>> {
  const base = o.dir ?? tmpdir();
  const alive = o.alive ?? pidAlive;
  const cleaned: Array<{ dir: string; pid: number; killed: number[] }> = [];
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return cleaned;
  }
  for (const name of names) {
    const m = new RegExp(`^${DEMO_DIR_PREFIX}(\\d+)-[^/]+$`).exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || alive(pid)) continue;
    const dir = join(base, name);
    const killed = processesUsing(dir);
    for (const p of killed) {
      // SIGCONT first: a member paused by the demo's user would not die of SIGKILL until resumed.
      try {
        process.kill(p, 'SIGCONT');
      } catch {
        /* gone */
      }
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (let i = 0; i < 50 && killed.some((p) => pidAlive(p) && !isZombie(p)); i++) await new Promise((r) => setTimeout(r, 100));
    rmSync(dir, { recursive: true, force: true });
    cleaned.push({ dir, pid, killed });
  }
  return cleaned;
}

function isZombie(pid: number): boolean {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
