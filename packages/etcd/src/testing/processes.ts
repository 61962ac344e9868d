import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// Every process and temp dir the harness creates, so the exit handler can clean up after a crashed test.
const livePids = new Set<number>();
const liveDirs = new Set<string>();
let exitHandlerInstalled = false;

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  // 'exit' handlers must be synchronous: signals and rmSync are.
  process.on('exit', () => {
    for (const pid of livePids) {
      // SIGCONT first, so a member frozen by pause() is never left behind frozen should the SIGKILL not land.
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* already gone */
      }
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    livePids.clear();
    for (const dir of liveDirs) {
      try {
        fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        /* best effort */
      }
    }
  });
}

/** trackDir registers a temp dir for removal when the process exits. */
export function trackDir(dir: string): void {
  installExitHandler();
  liveDirs.add(dir);
}

/** untrackDir forgets a temp dir that was removed on purpose. */
export function untrackDir(dir: string): void {
  liveDirs.delete(dir);
}

/** livePidCount tells how many harness processes are still registered as alive. */
export function livePidCount(): number {
  return livePids.size;
}

const findCache = new Map<string, string | undefined>();

/** findBinary returns the absolute path of an executable on PATH, or undefined. */
export function findBinary(name: string): string | undefined {
  // Keyed by PATH too, so a test that changes PATH sees the change.
  const key = `${process.env.PATH ?? ''}\0${name}`;
  if (findCache.has(key)) return findCache.get(key);
  let found: string | undefined;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) {
        found = candidate;
        break;
      }
    } catch {
      /* not here */
    }
  }
  findCache.set(key, found);
  return found;
}

/** cleanEnv returns the environment without ETCD_* and ETCDCTL_* variables, which etcd and etcdctl would read as flags (etcdctl 3.4 even refuses to run when one shadows a flag). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('ETCD_') || k.startsWith('ETCDCTL_')) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** spawnTracked starts a process, registers its pid for the exit handler and unrefs it so it never keeps the test process alive by itself. */
export function spawnTracked(command: string, args: string[], opts: SpawnOptions): ChildProcess {
  installExitHandler();
  const child = spawn(command, args, opts);
  const pid = child.pid;
  if (pid !== undefined) {
    livePids.add(pid);
    child.once('exit', () => livePids.delete(pid));
  }
  child.unref();
  return child;
}

/** waitForExit resolves when the child has exited and been reaped, or after timeoutMs with false. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  // The child is unref'd; while someone awaits its exit the event loop must stay up.
  child.ref();
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      child.unref();
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      child.unref();
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** RunResult is the outcome of a bounded command: its exit code (124 when the harness killed it for taking too long), stdout and stderr. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** runBounded runs a command to completion, killing it with SIGKILL after timeoutMs; it never rejects except when the binary cannot be started. */
export function runBounded(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs: number; input?: string }): Promise<RunResult> {
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawnTracked(command, args, { env: opts.env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    // Pipes to a child are refs of their own; the command is awaited, so keep the loop up until it is done.
    child.ref();
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        resolve({ code: 124, stdout, stderr: `${stderr}[etcd testing] ${path.basename(command)} killed after ${opts.timeoutMs} ms\n` });
      } else {
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      }
    });
  });
}
