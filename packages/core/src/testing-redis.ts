// A real redis-server for integration tests (Debian's `redis-server`), on a free loopback port, without persistence,
// stopped by pid when the test ends. Re-exported by `@etcd-monitor/core/testing`.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { freePort, tempDir, until } from './testing.ts';

/** TestRedis is one redis-server process started by `startRedis`. */
export interface TestRedis {
  /** url is `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** port is the loopback port it listens on (kept across `stop` and `start`). */
  readonly port: number;
  /** pid is the process id while it runs. */
  readonly pid: number | undefined;
  /** command sends one command (inline, space-separated words) and returns the raw RESP reply, such as `+PONG\r\n`. */
  command(line: string): Promise<string>;
  /** stop ends the server (SIGTERM, SIGKILL after 5 s) and waits for its exit; idempotent. */
  stop(): Promise<void>;
  /** start starts it again on the same port, empty, and waits until it answers PING. */
  start(): Promise<void>;
  /** log is what the server printed so far, for assertion messages. */
  log(): string;
}

const live = new Set<ChildProcess>();
let exitHook = false;

/**
 * startRedis starts `redis-server` on a free loopback port and waits until it answers PING; with the test context `t`
 * it is stopped when that test ends (else when the process exits). Throws when redis-server is not installed
 * (`apt-get install redis-server`): tests fail rather than skip.
 */
export async function startRedis(t?: { after(fn: () => unknown): void }): Promise<TestRedis> {
  const bin = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p)) ?? 'redis-server';
  const dir = tempDir('redis-test', t);
  const port = await freePort();
  let child: ChildProcess | undefined;
  let out = '';
  if (!exitHook) {
    exitHook = true;
    // A test that throws before its teardown must not leave a server behind.
    process.on('exit', () => {
      for (const c of live) if (c.pid) process.kill(c.pid, 'SIGKILL');
    });
  }
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no', '--loglevel', 'warning'];
  const command = (line: string) =>
    new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      let reply = '';
      s.setTimeout(2000, () => s.destroy(new Error(`redis on port ${port} did not answer "${line}"`)));
      s.on('connect', () => s.write(`${line}\r\n`));
      s.on('data', (d) => {
        reply += d.toString();
        if (reply.endsWith('\r\n')) {
          s.end();
          resolve(reply);
        }
      });
      s.on('error', reject);
    });
  const r: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child?.pid;
    },
    command,
    log: () => out,
    async start() {
      if (child) return;
      const setpriv = existsSync('/usr/bin/setpriv');
      // --pdeathsig: the kernel kills the server should the test process die without running its exit hook.
      const c = setpriv
        ? spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      live.add(c);
      c.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      c.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      c.once('exit', () => {
        live.delete(c);
        if (child === c) child = undefined;
      });
      c.unref();
      await new Promise<void>((resolve, reject) => {
        c.once('spawn', resolve);
        c.once('error', (err) => reject(new Error(`cannot start ${bin} (apt-get install redis-server): ${err.message}`)));
      });
      await until('redis-server to answer PING', async () => child === c && (await command('PING').catch(() => '')) === '+PONG\r\n', { timeoutMs: 20_000, detail: () => out });
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  // Without a test context the exit hook above kills it. The server writes nothing into its dir (no RDB, no AOF), so
  // the order of this stop and the dir's removal does not matter.
  if (t) t.after(() => r.stop());
  await r.start();
  return r;
}
