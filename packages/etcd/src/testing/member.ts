import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { until } from '@etcd-monitor/core/testing';
import { cleanEnv, findBinary, spawnTracked, waitForExit } from './processes.ts';

/** MemberState is what the harness last did to a member process: running, paused (SIGSTOP) or stopped (exited, killed or never started). */
export type MemberState = 'running' | 'paused' | 'stopped';

/** TestMember is one etcd process of a TestCluster. */
export interface TestMember {
  /** name is the etcd --name, unique within the cluster. */
  name: string;
  /** clientUrl is the member's client URL, http:// or https:// on 127.0.0.1. */
  clientUrl: string;
  /** peerUrl is the member's peer URL. */
  peerUrl: string;
  /** metricsUrl is a plain-http Prometheus endpoint (…/metrics) served by --listen-metrics-urls, even in TLS mode; /health sits next to it. */
  metricsUrl: string;
  /** id is the member id in hex, once the harness has seen it. */
  id?: string;
  /** pid is the process id while the process exists (running or paused). */
  pid: number | undefined;
  /** state is running, paused or stopped. */
  state: MemberState;
  /** dataDir is the member's --data-dir. */
  dataDir: string;
  /** logFile is where the member's zap log and its stdout/stderr go. */
  logFile: string;
  /** kill sends a signal (SIGKILL by default) and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** stop sends SIGTERM and waits for the process to exit (SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** start starts the process again with the same flags and data dir and waits until it listens; it does not wait for a quorum. */
  start(): Promise<void>;
  /** pause freezes the process with SIGSTOP. */
  pause(): Promise<void>;
  /** resume continues a paused process with SIGCONT. */
  resume(): Promise<void>;
  /** logTail returns the last lines (20 by default) of the member's log, for assertion messages. */
  logTail(lines?: number): string;
}

/** MemberExit records an exit the harness did not ask for. */
export interface MemberExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/** MemberSpec is everything needed to run one member process. */
export interface MemberSpec {
  name: string;
  clientUrl: string;
  peerUrl: string;
  metricsUrl: string;
  dataDir: string;
  logFile: string;
  args: string[];
  startTimeoutMs: number;
}

const STOP_GRACE_MS = 10_000;

/** EtcdMember is the harness's TestMember: it owns one etcd child process at a time. */
export class EtcdMember implements TestMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly metricsUrl: string;
  readonly dataDir: string;
  readonly logFile: string;
  id?: string;
  state: MemberState = 'stopped';
  /** unexpectedExit is set when the process exited without kill()/stop() asking for it. */
  unexpectedExit: MemberExit | undefined;
  private readonly args: string[];
  private readonly startTimeoutMs: number;
  private child: ChildProcess | undefined;
  private exitExpected = false;

  constructor(spec: MemberSpec) {
    this.name = spec.name;
    this.clientUrl = spec.clientUrl;
    this.peerUrl = spec.peerUrl;
    this.metricsUrl = spec.metricsUrl;
    this.dataDir = spec.dataDir;
    this.logFile = spec.logFile;
    this.args = spec.args;
    this.startTimeoutMs = spec.startTimeoutMs;
  }

  get pid(): number | undefined {
    return this.state === 'stopped' ? undefined : this.child?.pid;
  }

  /** describe names the member for error messages. */
  describe(): string {
    return `${this.name} (${this.clientUrl}, ${this.state}${this.pid === undefined ? '' : `, pid ${this.pid}`}${this.id === undefined ? '' : `, id ${this.id}`})`;
  }

  /** expectExit marks the coming exit as intended (e.g. after `member remove`, where etcd shuts itself down). */
  expectExit(): void {
    this.exitExpected = true;
  }

  async start(): Promise<void> {
    if (this.state !== 'stopped') throw new Error(`start ${this.describe()}: it is already ${this.state}`);
    const etcd = findBinary('etcd');
    if (etcd === undefined) throw new Error(NOT_INSTALLED);
    this.exitExpected = false;
    this.unexpectedExit = undefined;
    const out = fs.openSync(this.logFile, 'a');
    // setpriv --pdeathsig makes the kernel SIGKILL etcd when the test process dies without running its exit
    // handler (SIGKILL, OOM, a runner timeout), which is the one case a process.on('exit') hook cannot cover.
    const setpriv = findBinary('setpriv');
    const [command, args] = setpriv === undefined ? [etcd, this.args] : [setpriv, ['--pdeathsig', 'KILL', '--', etcd, ...this.args]];
    let child: ChildProcess;
    try {
      child = spawnTracked(command, args, { env: cleanEnv(), stdio: ['ignore', out, out] });
    } finally {
      fs.closeSync(out);
    }
    this.child = child;
    this.state = 'running';
    let spawnError: Error | undefined;
    let exit: MemberExit | undefined;
    child.once('error', (err) => {
      spawnError = err;
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal, at: Date.now() };
      if (this.child !== child) return;
      this.state = 'stopped';
      if (!this.exitExpected) this.unexpectedExit = exit;
    });

    // The metrics listener is the last one etcd opens and it answers before the member has a quorum,
    // so a 200 there means every port is bound without waiting for the other members.
    await until(
      `etcd member ${this.describe()} to serve ${this.metricsUrl}`,
      () => {
        if (spawnError !== undefined) throw new Error(`start ${this.name}: ${spawnError.message}`);
        if (exit !== undefined) {
          throw new Error(`etcd member ${this.name} exited during start (code ${exit?.code ?? '?'}, signal ${exit?.signal ?? 'none'}); log tail:\n${this.logTail()}`);
        }
        return httpOk(this.metricsUrl, 500);
      },
      { timeoutMs: this.startTimeoutMs, detail: () => `log tail:\n${this.logTail()}` },
    );
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (child === undefined || this.state === 'stopped') return;
    this.exitExpected = true;
    // A frozen process would only act on SIGTERM once it runs again.
    if (this.state === 'paused') {
      try {
        child.kill('SIGCONT');
      } catch {
        /* already gone */
      }
    }
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
    if (await waitForExit(child, signal === 'SIGKILL' ? 5_000 : STOP_GRACE_MS)) return;
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
    if (!(await waitForExit(child, 5_000))) throw new Error(`etcd member ${this.describe()} did not exit after SIGKILL`);
  }

  stop(): Promise<void> {
    return this.kill('SIGTERM');
  }

  async pause(): Promise<void> {
    if (this.state !== 'running' || this.child === undefined) throw new Error(`pause ${this.describe()}: it is not running`);
    this.child.kill('SIGSTOP');
    this.state = 'paused';
  }

  async resume(): Promise<void> {
    if (this.state !== 'paused' || this.child === undefined) return;
    this.child.kill('SIGCONT');
    this.state = 'running';
  }

  logTail(lines = 20): string {
    let text: string;
    try {
      text = fs.readFileSync(this.logFile, 'utf8');
    } catch {
      return `(no log at ${this.logFile})`;
    }
    const all = text.trimEnd().split('\n');
    return all.slice(-lines).join('\n');
  }
}

/** NOT_INSTALLED is the message of the error thrown when etcd or etcdctl is missing. */
export const NOT_INSTALLED = 'etcd is not installed: run "apt-get install -y etcd-server etcd-client"';

/** sleep resolves after ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** httpOk tells whether a plain-http GET answers 200 within timeoutMs. */
export function httpOk(url: string, timeoutMs: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    // agent: false, so no keep-alive socket outlives the probe and holds the event loop.
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
  });
}
