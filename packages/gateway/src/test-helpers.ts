// Shared helpers for the gateway's tests: real upstream servers on loopback, a gateway from TOML, a raw HTTP client.
import { tempDir, until } from '@etcd-monitor/core/testing';
import http from 'node:http';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import type { TestContext } from 'node:test';
import { parseConfigText } from './config/load.ts';
import { formatIssue } from './config/fields.ts';
import { Gateway } from './gateway.ts';
import { silentLogger, type Logger } from './observability/log.ts';
import type { PluginCreateContext, PluginDefinition } from './plugins/plugin.ts';

/** Upstream is a test upstream server. */
export interface TestUpstream {
  /** name is returned in the x-upstream header and echo body. */
  name: string;
  /** port is the bound port. */
  port: number;
  /** addr is `127.0.0.1:port`. */
  addr: string;
  /** hits counts requests received. */
  hits: number;
  /** server is the node:http server. */
  server: http.Server;
  /** close stops it. */
  close(): Promise<void>;
}

/** startUpstream starts an HTTP server that echoes the request as JSON, or runs `handler`. */
export async function startUpstream(name: string, handler?: http.RequestListener): Promise<TestUpstream> {
  const u = { name, hits: 0 } as TestUpstream;
  const server = http.createServer((req, res) => {
    u.hits++;
    if (handler) return handler(req, res);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-upstream': name,
        server: 'test-upstream',
        'keep-alive': 'timeout=5',
        connection: 'keep-alive, x-hop',
        'x-hop': 'secret',
      });
      res.end(body);
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  u.server = server;
  u.port = (server.address() as AddressInfo).port;
  u.addr = `127.0.0.1:${u.port}`;
  u.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return u;
}

// A port that was free a moment ago, for "connection refused" upstreams.
export { freePort } from '@etcd-monitor/core/testing';

/** startGateway validates TOML (failing the test on issues) and starts a gateway with a silent log and no admin listener unless the TOML sets one. */
export async function startGateway(
  toml: string,
  opts: { configFile?: string; accessLogStream?: NodeJS.WritableStream; plugins?: ReadonlyMap<string, PluginDefinition>; log?: Logger } = {},
): Promise<Gateway> {
  const text = /admin_addr/.test(toml) ? toml : toml.includes('[basic]') ? toml.replace('[basic]', '[basic]\nadmin_addr = ""') : `[basic]\nadmin_addr = ""\n${toml}`;
  const { config, issues } = parseConfigText(text, opts.plugins ? { plugins: opts.plugins } : {});
  if (issues.length) throw new Error(issues.map(formatIssue).join('\n'));
  return Gateway.start(config, { log: silentLogger, ...opts });
}

/** Closable is something a test closes when it ends (an upstream, a server). */
export interface Closable {
  close(): unknown;
}

/** useGateway starts a gateway as startGateway does and stops it when the test ends, then closes `closables` (its upstreams). */
export async function useGateway(t: TestContext, closables: Closable[], toml: string, opts: Parameters<typeof startGateway>[1] = {}): Promise<Gateway> {
  const gw = await startGateway(toml, opts);
  t.after(async () => {
    await gw.stop(0);
    for (const c of closables) await c.close();
  });
  return gw;
}

/** captureText returns a stream to hand to a logger or access log, and what was written to it so far. */
export function captureText(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

/** startRawUpstream answers every request head on a connection with `response` as written (head and body in one write), for heads node:http would tidy up. */
export async function startRawUpstream(response: string): Promise<{ addr: string; port: number; close(): void }> {
  const server = net.createServer((s) => {
    let got = '';
    s.on('error', () => {});
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      while (got.includes('\r\n\r\n')) {
        got = got.slice(got.indexOf('\r\n\r\n') + 4);
        s.write(response);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { addr: `127.0.0.1:${port}`, port, close: () => server.close() };
}

/** startWsUpstream starts a WebSocket echo server: it answers the handshake, echoes text frames as `echo:…` and records what it saw. */
export async function startWsUpstream(): Promise<TestUpstream & { upgrades: http.IncomingMessage[]; connections: number }> {
  const up = Object.assign(await startUpstream('ws'), { upgrades: [] as http.IncomingMessage[], connections: 0 });
  const tunnels = new Set<net.Socket>();
  const close = up.close;
  // Upgraded sockets are not the HTTP server's any more: they are ended with their peer and cut on close.
  up.close = () => {
    for (const s of tunnels) s.destroy();
    return close();
  };
  up.server.on('connection', () => up.connections++);
  up.server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    up.upgrades.push(req);
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    socket.on('end', () => socket.end());
    socket.on('error', () => {});
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nX-Upstream-Head: yes\r\nX-Seen-Path: ${req.url}\r\n\r\n`,
    );
    socket.on('data', (buf: Buffer) => {
      const len = buf[1]! & 0x7f;
      const mask = buf.subarray(2, 6);
      const payload = Buffer.from(buf.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4]!));
      if ((buf[0]! & 0x0f) === 8) return socket.end(Buffer.from([0x88, 0]));
      const out = Buffer.from(`echo:${payload}`);
      socket.write(Buffer.concat([Buffer.from([0x81, out.length]), out]));
    });
  });
  return up;
}

/** wsEcho opens a WebSocket, sends one message and resolves with the reply once the connection closed again (10 s at most, then it says where it stood). */
export function wsEcho(url: string, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let reply = '';
    const timer = setTimeout(() => {
      reject(new Error(`no echo and close within 10 s (readyState ${ws.readyState}, reply ${JSON.stringify(reply)})`));
      ws.close();
    }, 10_000);
    ws.onopen = () => ws.send(message);
    ws.onmessage = (e) => {
      reply = String(e.data);
      ws.close();
    };
    ws.onclose = () => {
      clearTimeout(timer);
      if (reply) resolve(reply);
      else reject(new Error('closed without a reply'));
    };
    ws.onerror = () => {
      clearTimeout(timer);
      reject(new Error('websocket error'));
    };
  });
}

/** Reply is a response read fully. */
export interface Reply {
  /** status is the status code. */
  status: number;
  /** headers are the response headers. */
  headers: http.IncomingHttpHeaders;
  /** body is the response body as text. */
  body: string;
}

/** request sends one request with a fresh connection and reads the whole response. */
export function request(
  port: number,
  opts: { method?: string; path?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer; agent?: http.Agent; localAddress?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const o: http.RequestOptions = { host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', headers: opts.headers, agent: opts.agent ?? false };
    // Another loopback source address (127.0.0.2, …) is another client address to the gateway.
    if (opts.localAddress) o.localAddress = opts.localAddress;
    const req = http.request(o, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** rawRequest writes bytes on a fresh socket and resolves with everything read until the server closes (or 2 s pass). */
export function rawRequest(port: number, data: string): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(data));
    let out = '';
    const t = setTimeout(() => s.destroy(), 2000);
    s.on('data', (c) => (out += c.toString()));
    s.on('close', () => {
      clearTimeout(t);
      resolve(out);
    });
    s.on('error', () => {});
  });
}

/** echo parses an echo upstream's body. */
export function echo(r: Reply): { name: string; method: string; url: string; headers: Record<string, string>; rawHeaders: string[]; body: string } {
  return JSON.parse(r.body);
}

/** waitFor is until() with the gateway tests' argument order: polls every 20 ms, fails after `ms` (a bound for hung tests, not a timing assertion). */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000, what: string | (() => string) = 'condition'): Promise<void> {
  await until(typeof what === 'string' ? what : 'condition', cond, { timeoutMs: ms, intervalMs: 20, ...(typeof what === 'function' ? { detail: what } : {}) });
}

/** selfSigned writes a self-signed P-256 certificate for `localhost` and its key into `dir` (openssl), and returns their paths. */
export function selfSigned(dir: string): { cert: string; key: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  const r = spawnSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { cert, key };
}

/** pingapDir copies the realistic pingap config (testdata/pingap-full.toml) and a self-signed certificate it names into a fresh directory removed after the test. */
export function pingapDir(): { dir: string; file: string } {
  const dir = tempDir('gw-pingap');
  selfSigned(dir);
  const file = join(dir, 'pingap.toml');
  copyFileSync(fileURLToPath(new URL('./testdata/pingap-full.toml', import.meta.url)), file);
  return { dir, file };
}

/** bareCreateContext is the `create` context of a plugin instance made outside a gateway: no other entries, logs dropped. */
export const bareCreateContext: PluginCreateContext = { plugin: () => undefined, log: silentLogger };

/** childrenOf lists the child pids of a process (Linux /proc). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** GatewayProcess is an `etcd-monitor gateway -c FILE` child process started by a test. */
export interface GatewayProcess {
  /** child is the primary process. */
  child: ChildProcess;
  /** pid is the primary's pid. */
  pid: number;
  /** file is the config file. */
  file: string;
  /** dir is the temporary directory holding the config file. */
  dir: string;
  /** stderr is everything the processes wrote to stderr so far (the JSON process log). */
  stderr(): string;
  /** exited resolves with the exit code (or the signal name) once the primary exits. */
  exited: Promise<number | string | null>;
}

/** spawnGateway writes `toml` to a fresh directory and runs the gateway command on it; the primary is killed (SIGKILL, by pid) when the test ends if it is still running. */
export function spawnGateway(t: TestContext, toml: string): GatewayProcess {
  const started: { child?: ChildProcess } = {};
  // Registered before the directory's removal, so the primary is gone first.
  t.after(() => {
    const c = started.child;
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });
  const dir = tempDir('gw-proc', t);
  const file = join(dir, 'gw.toml');
  writeFileSync(file, toml);
  const child = spawn(process.execPath, [gatewayBin, 'gateway', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  started.child = child;
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | string | null>((r) => child.once('exit', (code, signal) => r(code ?? signal)));
  return { child, pid: child.pid!, file, dir, stderr: () => stderr, exited };
}

/** gatewayBin is the `etcd-monitor` command the process tests run. */
export const gatewayBin = fileURLToPath(new URL('../../cli/bin/etcd-monitor.js', import.meta.url));
