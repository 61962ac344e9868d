import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before } from 'node:test';
import { generateCerts } from './certs.ts';
import type { TestCerts } from './certs.ts';
import { EtcdMember, NOT_INSTALLED, sleep } from './member.ts';
import type { TestMember } from './member.ts';
import { freePorts } from '@etcd-monitor/core/testing';
import { cleanEnv, findBinary, runBounded, trackDir, untrackDir } from './processes.ts';
import type { RunResult } from './processes.ts';
import { parseEndpointStatus } from './status.ts';
import type { EndpointStatus } from './status.ts';

/** StartClusterOptions configure startCluster; every field is optional. */
export interface StartClusterOptions {
  /** members is how many etcd members to start (default 3). */
  members?: number;
  /** tls turns on TLS for client and peer traffic with client-certificate auth; certificates are generated at run time with openssl. */
  tls?: boolean;
  /** auth enables etcd authentication with user root (role root) and a read-only user `reader` (role `readonly`, read on every key). */
  auth?: boolean;
  /** quotaBackendBytes sets --quota-backend-bytes (to provoke NOSPACE alarms). */
  quotaBackendBytes?: number;
  /** extraArgs are appended to every member's command line. */
  extraArgs?: string[];
  /** startTimeoutMs bounds how long startCluster waits for a healthy cluster (default 30 s). */
  startTimeoutMs?: number;
  /** dirPrefix names the temp dir under the OS temp dir (default `etcd-test-`), so its owner can find it again. */
  dirPrefix?: string;
}

/** EtcdctlOptions adjust one TestCluster.etcdctl call. */
export interface EtcdctlOptions {
  /** endpoints replace the default, which is every running member. */
  endpoints?: string[];
  /** user is 'root' or 'reader' (passwords filled in), 'name:password' verbatim, or '' for no credentials; default root when auth is on. */
  user?: string;
  /** timeoutMs bounds the whole call (default 10 s): it sets --dial-timeout/--command-timeout and kills etcdctl shortly after. */
  timeoutMs?: number;
  /** tls false leaves out --cacert/--cert/--key, to check what a client without them gets. */
  tls?: boolean;
}

/** TestClusterTls are the certificate files a client needs to talk to a TLS test cluster. */
export interface TestClusterTls {
  /** dir holds the certificates. */
  dir: string;
  /** caFile is the CA that signed every certificate. */
  caFile: string;
  /** certFile is a client certificate with CN=root (which authenticates as root when auth is on). */
  certFile: string;
  /** keyFile is the private key of certFile. */
  keyFile: string;
}

/** TestClusterAuth are the credentials of an auth-enabled test cluster. */
export interface TestClusterAuth {
  /** rootUser has the root role. */
  rootUser: 'root';
  /** rootPassword is random per cluster. */
  rootPassword: string;
  /** readUser has the readonly role: read on every key, nothing else. */
  readUser: 'reader';
  /** readPassword is random per cluster. */
  readPassword: string;
}

/** TestCluster is a running set of real etcd processes on loopback ports, owned by one test. */
export interface TestCluster {
  /** members are the cluster's members, in start order; removeMember drops one, addMember appends one. */
  members: TestMember[];
  /** endpoints are the client URLs of every member. */
  endpoints: string[];
  /** tls is set when the cluster was started with tls: the client-side certificate files. */
  tls?: TestClusterTls;
  /** auth is set when the cluster was started with auth: the users' credentials. */
  auth?: TestClusterAuth;
  /** dir is the temp dir holding data dirs, logs and certificates; removed by stop(). */
  dir: string;
  /** etcdctl runs etcdctl (API v3) with endpoints, TLS and root credentials filled in; it always resolves, bounded by a timeout. */
  etcdctl(args: string[], opts?: EtcdctlOptions): Promise<RunResult>;
  /** waitHealthy waits until every running member is healthy and all agree on one running leader. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** leader asks the running members (`endpoint status`) who leads and returns that member, if it is running. */
  leader(): Promise<TestMember | undefined>;
  /** waitForLeader waits until a running member other than `not` leads. */
  waitForLeader(opts?: { not?: TestMember; timeoutMs?: number }): Promise<TestMember>;
  /** addMember runs `member add`, starts the new member with --initial-cluster-state existing and waits until the cluster is healthy. */
  addMember(): Promise<TestMember>;
  /** removeMember runs `member remove` through the other members, then kills the removed one. */
  removeMember(m: TestMember): Promise<void>;
  /** stop kills every process of the cluster (paused ones too) and removes its temp dir; calling it again does nothing. */
  stop(): Promise<void>;
  /** endpointStatus returns `endpoint status` of the given endpoints (default: running members), skipping those that do not answer. */
  endpointStatus(endpoints?: string[], timeoutMs?: number): Promise<EndpointStatus[]>;
  /** logTails renders the last log lines of every member, for assertion messages. */
  logTails(lines?: number): string;
}

const POLL_MS = 200;
const PROBE_TIMEOUT_MS = 2_000;

/** startCluster starts a fresh etcd cluster on free loopback ports and resolves once it is healthy (and auth is set up, when asked). */
export async function startCluster(opts: StartClusterOptions = {}): Promise<TestCluster> {
  if (findBinary('etcd') === undefined || findBinary('etcdctl') === undefined) throw new Error(NOT_INSTALLED);
  const members = opts.members ?? 3;
  if (!Number.isInteger(members) || members < 1) throw new Error(`startCluster: members must be a positive integer, got ${members}`);
  // Ports are free when picked but not reserved; a parallel test file can grab one before etcd binds it.
  // Such a clash costs a retry with fresh ports, not a failed test.
  for (let attempt = 1; ; attempt++) {
    const cluster = new EtcdTestCluster(opts);
    try {
      await cluster.boot();
      return cluster;
    } catch (err) {
      await cluster.stop();
      if (attempt < 3 && err instanceof Error && /address already in use/.test(err.message)) continue;
      throw err;
    }
  }
}

/** useCluster starts a cluster before the tests of a node:test suite and stops it after, even when a test fails. */
export function useCluster(opts: StartClusterOptions = {}): { get(): TestCluster } {
  let cluster: TestCluster | undefined;
  before(
    async () => {
      cluster = await startCluster(opts);
    },
    { timeout: (opts.startTimeoutMs ?? 30_000) * 3 + 30_000 },
  );
  after(
    async () => {
      await cluster?.stop();
    },
    { timeout: 60_000 },
  );
  return {
    get(): TestCluster {
      if (cluster === undefined) throw new Error('useCluster: the cluster is not started; call get() inside a test or hook, not while defining the suite');
      return cluster;
    },
  };
}

class EtcdTestCluster implements TestCluster {
  members: EtcdMember[] = [];
  dir = '';
  tls?: TestCerts;
  auth?: TestClusterAuth;
  private readonly opts: StartClusterOptions;
  private readonly token = `etcd-test-${randomBytes(6).toString('hex')}`;
  private nextIndex = 1;
  private stopping: Promise<void> | undefined;

  constructor(opts: StartClusterOptions) {
    this.opts = opts;
  }

  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  async boot(): Promise<void> {
    this.dir = await fs.mkdtemp(path.join(os.tmpdir(), this.opts.dirPrefix ?? 'etcd-test-'));
    trackDir(this.dir);
    if (this.opts.tls) this.tls = await generateCerts(path.join(this.dir, 'certs'));
    const n = this.opts.members ?? 3;
    const ports = await freePorts(3 * n);
    const specs = Array.from({ length: n }, (_, i) => this.urls(ports[3 * i], ports[3 * i + 1], ports[3 * i + 2]));
    const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
    this.members = specs.map((s) => this.newMember(s, initialCluster, 'new'));
    await Promise.all(this.members.map((m) => m.start()));
    await this.waitHealthy(this.opts.startTimeoutMs ?? 30_000);
    if (this.opts.auth) {
      await this.enableAuth();
      await this.waitHealthy(this.opts.startTimeoutMs ?? 30_000);
    }
  }

  private urls(clientPort: number, peerPort: number, metricsPort: number): { name: string; clientUrl: string; peerUrl: string; metricsPort: number } {
    const scheme = this.tls ? 'https' : 'http';
    return {
      name: `etcd-${this.nextIndex++}`,
      clientUrl: `${scheme}://127.0.0.1:${clientPort}`,
      peerUrl: `${scheme}://127.0.0.1:${peerPort}`,
      metricsPort,
    };
  }

  private newMember(s: { name: string; clientUrl: string; peerUrl: string; metricsPort: number }, initialCluster: string, state: 'new' | 'existing'): EtcdMember {
    const dataDir = path.join(this.dir, `${s.name}.data`);
    const logFile = path.join(this.dir, `${s.name}.log`);
    const metricsListen = `http://127.0.0.1:${s.metricsPort}`;
    const args = [
      `--name=${s.name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${s.clientUrl}`,
      `--advertise-client-urls=${s.clientUrl}`,
      `--listen-peer-urls=${s.peerUrl}`,
      `--initial-advertise-peer-urls=${s.peerUrl}`,
      `--listen-metrics-urls=${metricsListen}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-state=${state}`,
      `--initial-cluster-token=${this.token}`,
      '--heartbeat-interval=100',
      '--election-timeout=1000',
      '--metrics=extensive',
      '--logger=zap',
      `--log-outputs=${logFile}`,
    ];
    if (this.tls) {
      const t = this.tls;
      args.push(
        `--cert-file=${t.serverCertFile}`,
        `--key-file=${t.serverKeyFile}`,
        `--trusted-ca-file=${t.caFile}`,
        '--client-cert-auth',
        `--peer-cert-file=${t.serverCertFile}`,
        `--peer-key-file=${t.serverKeyFile}`,
        `--peer-trusted-ca-file=${t.caFile}`,
        '--peer-client-cert-auth',
      );
    }
    if (this.opts.quotaBackendBytes !== undefined) args.push(`--quota-backend-bytes=${this.opts.quotaBackendBytes}`);
    args.push(...(this.opts.extraArgs ?? []));
    return new EtcdMember({
      name: s.name,
      clientUrl: s.clientUrl,
      peerUrl: s.peerUrl,
      metricsUrl: `${metricsListen}/metrics`,
      dataDir,
      logFile,
      args,
      startTimeoutMs: 15_000,
    });
  }

  private running(): EtcdMember[] {
    return this.members.filter((m) => m.state === 'running');
  }

  async etcdctl(args: string[], opts: EtcdctlOptions = {}): Promise<RunResult> {
    const etcdctl = findBinary('etcdctl');
    if (etcdctl === undefined) throw new Error(NOT_INSTALLED);
    const running = this.running();
    const endpoints = opts.endpoints ?? (running.length > 0 ? running : this.members).map((m) => m.clientUrl);
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const dialMs = Math.max(100, Math.min(2_000, Math.floor(timeoutMs / 2)));
    const commandMs = Math.max(100, timeoutMs - dialMs);
    // Ours first: etcdctl's flag parser lets a later repetition in args win.
    const flags = [`--endpoints=${endpoints.join(',')}`, `--dial-timeout=${dialMs}ms`, `--command-timeout=${commandMs}ms`];
    if (this.tls && opts.tls !== false) flags.push(`--cacert=${this.tls.caFile}`, `--cert=${this.tls.certFile}`, `--key=${this.tls.keyFile}`);
    const user = this.credentials(opts.user);
    if (user !== undefined) flags.push(`--user=${user}`);
    // etcdctl can overrun its own timeouts (several endpoints are tried one after another), so a hard kill backs them up.
    return runBounded(etcdctl, [...flags, ...args], { env: cleanEnv({ ETCDCTL_API: '3' }), timeoutMs: timeoutMs + 1_000 });
  }

  private credentials(user: string | undefined): string | undefined {
    if (user === '') return undefined;
    if (user === undefined) return this.auth ? `root:${this.auth.rootPassword}` : undefined;
    if (user.includes(':')) return user;
    if (this.auth && user === 'root') return `root:${this.auth.rootPassword}`;
    if (this.auth && user === 'reader') return `reader:${this.auth.readPassword}`;
    throw new Error(`etcdctl: unknown user ${JSON.stringify(user)}; pass 'root', 'reader' or 'name:password'`);
  }

  async endpointStatus(endpoints?: string[], timeoutMs = PROBE_TIMEOUT_MS): Promise<EndpointStatus[]> {
    const eps = endpoints ?? this.running().map((m) => m.clientUrl);
    if (eps.length === 0) return [];
    // etcdctl prints the endpoints that answered even when another one fails, so partial output is still used.
    const r = await this.etcdctl(['endpoint', 'status', '-w', 'json'], { endpoints: eps, timeoutMs });
    const statuses = parseEndpointStatus(r.stdout);
    for (const s of statuses) {
      const m = this.members.find((x) => x.clientUrl === s.endpoint);
      if (m !== undefined) m.id = s.memberId;
    }
    return statuses;
  }

  /** healthProblem returns why the running members are not healthy yet, or undefined when they are. */
  private async healthProblem(running: EtcdMember[]): Promise<string | undefined> {
    const endpoints = running.map((m) => m.clientUrl);
    const [health, statuses] = await Promise.all([this.etcdctl(['endpoint', 'health'], { endpoints, timeoutMs: PROBE_TIMEOUT_MS }), this.endpointStatus(endpoints)]);
    if (health.code !== 0) return `endpoint health failed: ${plainLines(health.stdout + health.stderr)}`;
    const missing = running.filter((m) => !statuses.some((s) => s.endpoint === m.clientUrl));
    if (missing.length > 0) return `no status from ${missing.map((m) => m.name).join(', ')}`;
    const leaders = new Set(statuses.map((s) => s.leaderId));
    if (leaders.has('0'))
      return `no leader yet on ${statuses
        .filter((s) => s.leaderId === '0')
        .map((s) => s.endpoint)
        .join(', ')}`;
    if (leaders.size !== 1) return `members disagree on the leader: ${statuses.map((s) => `${s.endpoint}→${s.leaderId}`).join(', ')}`;
    const [leaderId] = leaders;
    if (!running.some((m) => m.id === leaderId)) return `leader ${leaderId} is not a running member`;
    return undefined;
  }

  async waitHealthy(timeoutMs = 20_000): Promise<void> {
    const started = Date.now();
    const deadline = started + timeoutMs;
    let problem = 'not checked yet';
    for (;;) {
      const crashed = this.members.filter((m) => m.unexpectedExit !== undefined && m.unexpectedExit.at >= started - 1_000);
      if (crashed.length > 0) {
        throw new Error(
          `etcd test cluster: ${crashed.map((m) => `${m.name} exited (code ${m.unexpectedExit?.code}, signal ${m.unexpectedExit?.signal})`).join(', ')}\n${this.logTails()}`,
        );
      }
      const running = this.running();
      if (running.length === 0) throw new Error('waitHealthy: no member is running');
      problem = (await this.healthProblem(running)) ?? '';
      if (problem === '') return;
      if (Date.now() >= deadline) throw new Error(`waitHealthy: cluster not healthy after ${timeoutMs} ms: ${problem}\n${this.logTails()}`);
      await sleep(POLL_MS);
    }
  }

  async leader(): Promise<TestMember | undefined> {
    const statuses = await this.endpointStatus();
    // The newest term wins: a member cut off from the others may still name the leader it lost.
    let best: EndpointStatus | undefined;
    for (const s of statuses) {
      if (s.leaderId === '0') continue;
      if (best === undefined || s.raftTerm > best.raftTerm) best = s;
    }
    if (best === undefined) return undefined;
    const leaderId = best.leaderId;
    return this.members.find((m) => m.id === leaderId && m.state === 'running');
  }

  async waitForLeader(opts: { not?: TestMember; timeoutMs?: number } = {}): Promise<TestMember> {
    const timeoutMs = opts.timeoutMs ?? 15_000;
    const deadline = Date.now() + timeoutMs;
    let last: TestMember | undefined;
    for (;;) {
      last = await this.leader();
      if (last !== undefined && last !== opts.not) return last;
      if (Date.now() >= deadline) {
        const seen = last === undefined ? 'no running leader' : `still ${last.name}`;
        throw new Error(`waitForLeader: ${seen} after ${timeoutMs} ms${opts.not ? ` (waiting for a leader other than ${opts.not.name})` : ''}\n${this.logTails()}`);
      }
      await sleep(POLL_MS);
    }
  }

  async addMember(): Promise<TestMember> {
    const [clientPort, peerPort, metricsPort] = await freePorts(3);
    const s = this.urls(clientPort, peerPort, metricsPort);
    const added = await this.reconfigure(['member', 'add', s.name, `--peer-urls=${s.peerUrl}`]);
    if (added.code !== 0) throw new Error(`addMember: etcdctl member add failed (exit ${added.code}): ${plainLines(added.stderr + added.stdout)}`);
    const initialCluster = /ETCD_INITIAL_CLUSTER="([^"]*)"/.exec(added.stdout)?.[1] ?? [...this.members.map((m) => `${m.name}=${m.peerUrl}`), `${s.name}=${s.peerUrl}`].join(',');
    const m = this.newMember(s, initialCluster, 'existing');
    m.id = /Member\s+([0-9a-f]+)\s+added/.exec(added.stdout)?.[1];
    this.members.push(m);
    try {
      await m.start();
      await this.waitHealthy();
    } catch (err) {
      // Leave the cluster as it was: a half-joined member would count against the quorum of later tests.
      await this.removeMember(m).catch(() => m.kill());
      throw err;
    }
    return m;
  }

  async removeMember(target: TestMember): Promise<void> {
    const m = this.members.find((x) => x === target);
    if (m === undefined) throw new Error(`removeMember: ${target.name} is not a member of this cluster`);
    const id = m.id ?? (await this.lookupId(m));
    const others = this.running()
      .filter((x) => x !== m)
      .map((x) => x.clientUrl);
    if (others.length === 0) throw new Error(`removeMember: no other running member to remove ${m.name} through`);
    // etcd shuts a removed member down by itself; that exit is expected.
    m.expectExit();
    const r = await this.reconfigure(['member', 'remove', id], others);
    if (r.code !== 0) throw new Error(`removeMember: etcdctl member remove ${id} failed (exit ${r.code}): ${plainLines(r.stderr + r.stdout)}`);
    await m.kill();
    this.members = this.members.filter((x) => x !== m);
  }

  /**
   * reconfigure runs a `member add/remove`, retrying while etcd answers "unhealthy cluster": with
   * --strict-reconfig-check (on by default) etcd 3.4 refuses membership changes until every voting member
   * has been connected to the leader for 5 s, so a change right after a restart or a start is refused.
   */
  private async reconfigure(args: string[], endpoints?: string[], timeoutMs = 15_000): Promise<RunResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.etcdctl(args, { endpoints, timeoutMs: 5_000 });
      if (r.code === 0 || !/unhealthy cluster/.test(r.stderr) || Date.now() >= deadline) return r;
      await sleep(500);
    }
  }

  private async lookupId(m: EtcdMember): Promise<string> {
    const r = await this.etcdctl(['member', 'list']);
    // Simple output: id, status, name, peer URLs, client URLs, is learner.
    for (const line of r.stdout.split('\n')) {
      const cols = line.split(',').map((c) => c.trim());
      if (cols.length >= 4 && (cols[2] === m.name || cols[3] === m.peerUrl)) {
        m.id = cols[0];
        return cols[0];
      }
    }
    throw new Error(`cannot find ${m.name} in member list: ${plainLines(r.stdout + r.stderr)}`);
  }

  private async enableAuth(): Promise<void> {
    const auth: TestClusterAuth = {
      rootUser: 'root',
      rootPassword: randomBytes(12).toString('hex'),
      readUser: 'reader',
      readPassword: randomBytes(12).toString('hex'),
    };
    const steps = [
      ['user', 'add', 'root', `--new-user-password=${auth.rootPassword}`],
      // The root role exists implicitly; it only has to be granted.
      ['user', 'grant-role', 'root', 'root'],
      ['role', 'add', 'readonly'],
      // An empty key with --prefix is the range ["", "\0"): every key.
      ['role', 'grant-permission', 'readonly', '--prefix=true', 'read', ''],
      ['user', 'add', 'reader', `--new-user-password=${auth.readPassword}`],
      ['user', 'grant-role', 'reader', 'readonly'],
      ['auth', 'enable'],
    ];
    for (const step of steps) {
      const r = await this.etcdctl(step, { user: '' });
      if (r.code !== 0) throw new Error(`enabling auth: etcdctl ${step[0]} ${step[1]} failed (exit ${r.code}): ${plainLines(r.stderr + r.stdout)}`);
    }
    this.auth = auth;
  }

  logTails(lines = 15): string {
    return this.members.map((m) => `--- ${m.describe()} log tail:\n${m.logTail(lines)}`).join('\n');
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    // SIGKILL: the data is thrown away, so a graceful shutdown (leader transfer, fsync) only costs time.
    await Promise.all(this.members.map((m) => m.kill('SIGKILL')));
    if (this.dir !== '') {
      await fs.rm(this.dir, { recursive: true, force: true });
      untrackDir(this.dir);
    }
  }
}

/** plainLines keeps etcdctl's own messages and drops its client's JSON log lines, which repeat the same error at length. */
function plainLines(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('{'));
  return lines.length > 0 ? lines.join(' | ') : text.trim().slice(0, 500);
}
