import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** VersionInfo says which etcd-monitor is running, on which Node.js, built from which commit when that is known. */
export interface VersionInfo {
  /** version is the etcd-monitor release, from the repository's package.json. */
  version: string;
  /** node is the Node.js version running it, such as `v24.21.0`. */
  node: string;
  /** commit is the git commit of the checkout it runs from; null outside a git checkout. */
  commit: string | null;
}

// src/version.ts and dist/version.js both sit two levels below packages/, so the repository root is the same from either.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
let cached: VersionInfo | undefined;

/** versionInfo reads the version once per process; it never throws (unknown parts are `0.0.0` or null). */
export function versionInfo(): VersionInfo {
  cached ??= { version: packageVersion(), node: process.version, commit: gitCommit(ROOT) };
  return cached;
}

function packageVersion(): string {
  try {
    return String((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version?: unknown }).version ?? '0.0.0');
  } catch {
    return '0.0.0';
  }
}

/** gitCommit reads HEAD without running git: `.git` is a directory, or a file naming the git dir (a worktree). */
export function gitCommit(root: string): string | null {
  try {
    let gitDir = join(root, '.git');
    const dotGit = readText(gitDir);
    if (dotGit !== null) {
      const target = /^gitdir:\s*(.+)$/m.exec(dotGit)?.[1]?.trim();
      if (!target) return null;
      gitDir = isAbsolute(target) ? target : join(root, target);
    }
    const head = readText(join(gitDir, 'HEAD'))?.trim();
    if (!head) return null;
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref:\s*(\S+)$/.exec(head)?.[1];
    if (!ref) return null;
    // A worktree keeps its HEAD but shares refs with the main repository (named in `commondir`).
    const common = readText(join(gitDir, 'commondir'))?.trim();
    const refsDir = common ? (isAbsolute(common) ? common : join(gitDir, common)) : gitDir;
    for (const dir of [gitDir, refsDir]) {
      const loose = readText(join(dir, ref))?.trim();
      if (loose && /^[0-9a-f]{40}$/.test(loose)) return loose;
      const packed = readText(join(dir, 'packed-refs'));
      const line = packed?.split('\n').find((l) => l.endsWith(` ${ref}`));
      if (line) return line.slice(0, 40);
    }
    return null;
  } catch {
    return null;
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
