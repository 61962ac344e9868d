// Helpers shared by the gateway benches: pinned child processes stopped on exit, waiting for a port, nginx's config.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const children: ChildProcess[] = [];
/** stopAll sends SIGTERM to every child still running (also done on exit). */
export function stopAll(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
}
process.on('exit', stopAll);
process.on('SIGINT', () => process.exit(130));

/** start runs `cmd` pinned to `core` (taskset), echoing its stderr except info-level JSON log lines; it is stopped when the bench exits. */
export function start(core: string, cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const c = spawn('taskset', ['-c', core, cmd, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env });
  c.stderr!.on('data', (d: Buffer) => {
    const s = d.toString();
    if (!/"level":30/.test(s)) process.stderr.write(`[${cmd}] ${s}`);
  });
  children.push(c);
  return c;
}

/** waitPort resolves once 127.0.0.1:port accepts a connection (10 s at most). */
export async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`port ${port} did not open`);
}

/** nginxConf is a one-worker nginx config under `dir` listening on `port` with `body` in its server block; `up` names the keep-alive upstream on `upPort`. */
export function nginxConf(dir: string, port: number, upPort: number, body: string): string {
  return `
worker_processes 1;
daemon off;
pid ${dir}/nginx-${port}.pid;
error_log ${dir}/nginx-${port}.err warn;
events { worker_connections 20000; }
http {
  access_log off;
  client_body_temp_path ${dir}/cb-${port};
  proxy_temp_path ${dir}/pt-${port};
  fastcgi_temp_path ${dir}/ft-${port};
  uwsgi_temp_path ${dir}/ut-${port};
  scgi_temp_path ${dir}/st-${port};
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port} reuseport backlog=4096;
    ${body}
  }
  upstream up { server 127.0.0.1:${upPort}; keepalive 256; }
}`;
}

/** opt reads `--name value` from the command line, or `def`. */
export function opt(name: string, def: string): string {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : def;
}

/** CORES is the machine's core count; the proxy under test runs on PROXY_CORE, wrk and the upstream on LOAD_CORE. */
export const CORES = availableParallelism();
export const PROXY_CORE = '0';
export const LOAD_CORE = CORES > 1 ? '1' : '0';

/**
 * benchDir makes a scratch folder with `www/16k` (readable by nginx's workers, which run as nobody) and returns it with
 * UPSTREAM_BODY: the server block of the upstream nginx (`hello world` on `/`, the 16 KiB file on `/16k`).
 */
export function benchDir(prefix: string): { dir: string; upstreamBody: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const www = join(dir, 'www');
  mkdirSync(www);
  chmodSync(dir, 0o755);
  chmodSync(www, 0o755);
  writeFileSync(join(www, '16k'), 'x'.repeat(16 * 1024));
  return { dir, upstreamBody: `root ${www}; location = / { default_type text/plain; return 200 "hello world"; } location = /16k { default_type text/plain; }` };
}
