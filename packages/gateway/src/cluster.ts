import cluster, { type Worker } from 'node:cluster';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getSystemErrorName } from 'node:util';
import { AppError } from '@etcd-monitor/core';
import type { GatewayConfig } from './config/schema.ts';
import { readConfig } from './config/load.ts';
import type { ConfigSource } from './config/source/index.ts';
import { inlineFiles } from './config/files.ts';
import { formatIssue, type ConfigIssue } from './config/fields.ts';
import { listenerKeys } from './gateway.ts';
import { listenIssue } from './admin/backend.ts';
import type { Logger } from './observability/log.ts';
import { Counter, Registry } from './observability/metrics.ts';
import { AdminListener, type AdminSwap } from './admin/listener.ts';
import { isLogPath } from './observability/access-log.ts';
import { prepareLogFiles } from './privileges.ts';
import { SharedHealth, type HealthSnapshot } from './upstream/shared-health.ts';

/** WorkerMessage is what the primary and workers exchange over IPC. */
export type WorkerMessage =
  /** hello: the worker listens for messages and waits for its config. */
  | { type: 'hello' }
  /** start: the config to start with (certificate and key files already read by the primary), the health verdicts, and the worker's slot (0…threads-1). */
  | { type: 'start'; config: GatewayConfig; version: number; health: HealthSnapshot; slot: number }
  /** health: new active health verdicts, checked once by the primary for all workers. */
  | { type: 'health'; snapshot: HealthSnapshot }
  | { type: 'ready' }
  /** bind: the worker asks for a listener's socket; `bound` answers with the handle attached, or the error code. */
  | { type: 'bind'; id: number; key: string; host: string; port: number }
  | { type: 'bound'; id: number; code?: string }
  | { type: 'reload'; id: number; config: GatewayConfig; version: number }
  /** reloaded: the worker's answer, with the same structured issues a gateway in one process reports. */
  | { type: 'reloaded'; id: number; ok: boolean; issues: ConfigIssue[] }
  | { type: 'metrics'; id: number }
  | { type: 'metrics-text'; id: number; text: string }
  | { type: 'upstreams'; id: number }
  | { type: 'upstreams-status'; id: number; status: Record<string, unknown[]> }
  | { type: 'stop' };

/** workerCount resolves `threads` (0: one per core). */
export function workerCount(threads: number): number {
  return threads === 0 ? availableParallelism() : threads;
}

/**
 * mergeMetrics joins the Prometheus texts of several workers into one exposition: each sample gets a `worker` label and the
 * samples of a metric family stay together, as the text format requires. Families in `skip` are left out (the primary reports them).
 */
export function mergeMetrics(texts: { worker: string; text: string }[], skip: ReadonlySet<string> = new Set()): string {
  const families = new Map<string, { head: string[]; samples: string[] }>();
  for (const { worker, text } of texts) {
    let current: { head: string[]; samples: string[] } | undefined;
    for (const line of text.split('\n')) {
      if (!line) continue;
      const m = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (m) {
        current = skip.has(m[2]!) ? undefined : families.get(m[2]!);
        if (!current && !skip.has(m[2]!)) families.set(m[2]!, (current = { head: [], samples: [] }));
        if (current && current.head.length < 2 && !current.head.some((h) => h.startsWith(`# ${m[1]}`))) current.head.push(line);
        continue;
      }
      const label = `worker="${worker}"`;
      const withLabel = line.includes('{') ? line.replace('{', `{${label},`) : line.replace(/^(\S+) /, `$1{${label}} `);
      current?.samples.push(withLabel);
    }
  }
  let out = '';
  for (const f of families.values()) out += `${f.head.join('\n')}\n${f.samples.join('\n')}${f.samples.length ? '\n' : ''}`;
  return out;
}

// node:cluster's own handle sharing closes a listening socket when its last worker exits (SharedHandle/RoundRobinHandle
// remove()), so with one worker every restart refused connections. The primary binds the sockets itself and keeps them:
// a socket stays in LISTEN while no worker runs, the kernel queues new connections in its backlog, and the next worker
// accepts them. net._createServerHandle is what node:cluster's SCHED_NONE uses: a bound socket on which the primary never
// calls listen() or accept() (the workers do), so the primary serves no connection.
const createServerHandle = (net as unknown as { _createServerHandle(address: string, port: number, addressType: number): object | number })._createServerHandle;

/** Handle is the part of a libuv TCP handle the primary uses. */
interface Handle {
  getsockname(out: object): number;
  close(): void;
}

/** ListenSockets are the listening sockets the primary binds (as root when it is) and shares with the workers. */
export class ListenSockets {
  private readonly handles = new Map<string, { host: string; port: number; handle: Handle }>();

  /** bind returns the socket of a listener, binding it the first time it is asked for; it throws an error with the errno `code`. */
  async bind(key: string, host: string, port: number): Promise<object> {
    const cur = this.handles.get(key);
    if (cur && cur.host === host && cur.port === port) return cur.handle;
    if (cur) this.close(key);
    const ip = net.isIP(host) ? host : (await lookup(host)).address;
    const h = createServerHandle(ip, port, net.isIP(ip));
    // libuv reports EADDRINUSE at listen() rather than bind(); getsockname returns it too, and a worker given the unbound
    // socket would listen on a random port instead.
    const err = typeof h === 'number' ? h : (h as Handle).getsockname({});
    if (err) {
      if (typeof h !== 'number') (h as Handle).close();
      throw Object.assign(new Error(getSystemErrorName(err)), { code: getSystemErrorName(err) });
    }
    this.handles.set(key, { host, port, handle: h as Handle });
    return h as Handle;
  }

  private close(key: string): void {
    this.handles.get(key)?.handle.close();
    this.handles.delete(key);
  }

  /** keep closes the sockets of listeners not in `keys` (once every worker has closed its own copy, the port is free). */
  keep(keys: Iterable<string>): void {
    const wanted = new Set(keys);
    for (const key of [...this.handles.keys()]) if (!wanted.has(key)) this.close(key);
  }

  /** closeAll closes every socket. */
  closeAll(): void {
    this.keep([]);
  }
}

/** restartDelay is the backoff before restarting a worker: none after a worker that ran a while, then 200 ms doubling to 10 s while workers keep dying young. */
export function restartDelay(quickCrashes: number): number {
  return quickCrashes === 0 ? 0 : Math.min(100 * 2 ** quickCrashes, 10_000);
}

/** A worker that dies within this time of starting counts as a quick crash for the backoff. */
const QUICK_CRASH_MS = 10_000;

interface WorkerState {
  worker: Worker;
  slot: number;
  ready: boolean;
  version: number;
  startedAt: number;
}

/**
 * runPrimary supervises `threads` worker processes: it binds and keeps the listening sockets, forks lean workers (they load
 * only the gateway) and hands them the config, restarts crashed ones with backoff, validates reloads once and then hands the
 * new config to every worker, serves the admin listener with metrics merged from all workers, and drains them on stop.
 */
export async function runPrimary(source: ConfigSource, initial: GatewayConfig, log: Logger, stopSignal: Promise<void>, onReloadTrigger: (reload: () => void) => void): Promise<void> {
  const n = workerCount(initial.basic.threads);
  // A 4 MiB young generation keeps a worker's RSS under load about 50 MB lower at no measurable throughput cost; a flag given to node wins.
  // The bin's --heap-growing-percent (for the monitor's steady memory) is left out: a worker's old generation is small and
  // V8's own growth means fewer full GCs under load (0.45 → 0.47× nginx with 64 connections, 0.35 → 0.42× with 256).
  const inherited = process.execArgv.filter((a) => !a.startsWith('--heap-growing-percent'));
  const execArgv = inherited.some((a) => a.startsWith('--max-semi-space-size')) ? inherited : [...inherited, '--max-semi-space-size=4'];
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.ts', import.meta.url)), args: [], execArgv, silent: false });
  const inlined = inlineFiles(initial);
  if (inlined.issues.length) throw new AppError('GW_CONFIG_INVALID', inlined.issues.map(formatIssue).join('\n'));
  let live = inlined.config;
  let liveVersion = 1;
  let stopping = false;
  let started = false;
  let seq = 0;
  let quickCrashes = 0;
  const pending = new Map<number, (m: WorkerMessage) => void>();
  const workers = new Map<Worker, WorkerState>();
  const sockets = new ListenSockets();
  const registry = new Registry();
  // The primary validates every reload, so it is the one that counts them: a config it rejects never reaches a worker.
  const reloads = registry.add(new Counter('gateway_config_reloads_total', 'Config reloads, by result (success or failure).', ['result']));
  reloads.child('success');
  reloads.child('failure');
  const health = new SharedHealth((snapshot) => {
    for (const w of workers.keys()) send(w, { type: 'health', snapshot });
  });
  health.update(live);
  // Nothing else may hold the event loop while a worker restarts (no admin listener, no worker): the primary must outlive its workers.
  const keepAlive = setInterval(() => {}, 1 << 30);

  const send = (w: Worker, m: WorkerMessage, handle?: object) => {
    if (w.isConnected()) w.send(m, handle as never);
  };
  const ask = (w: Worker, msg: WorkerMessage & { id: number }, ms = 10_000) =>
    new Promise<WorkerMessage | undefined>((resolve) => {
      const t = setTimeout(() => {
        pending.delete(msg.id);
        resolve(undefined);
      }, ms);
      pending.set(msg.id, (m) => {
        clearTimeout(t);
        pending.delete(msg.id);
        resolve(m);
      });
      send(w, msg);
    });
  /** catchUp hands the live config to a ready worker that started on an older one (it forked while a reload ran). */
  const catchUp = (st: WorkerState) => {
    if (!st.ready || st.version === liveVersion) return;
    const version = liveVersion;
    void ask(st.worker, { type: 'reload', id: ++seq, config: live, version }).then((r) => {
      if (r?.type === 'reloaded' && r.ok) st.version = version;
      else log.error({ worker: st.worker.id, errors: r?.type === 'reloaded' ? r.issues.map(formatIssue) : ['no answer'] }, 'a worker could not take the live config');
    });
  };

  const fork = (slot: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork();
      const st: WorkerState = { worker: w, slot, ready: false, version: 0, startedAt: Date.now() };
      workers.set(w, st);
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'hello') {
          st.version = liveVersion;
          send(w, { type: 'start', config: live, version: liveVersion, health: health.snapshot(), slot });
        } else if (m.type === 'ready') {
          st.ready = true;
          resolve();
          catchUp(st);
        } else if (m.type === 'bind') {
          sockets.bind(m.key, m.host, m.port).then(
            (h) => send(w, { type: 'bound', id: m.id }, h),
            (err: NodeJS.ErrnoException) => send(w, { type: 'bound', id: m.id, code: err.code ?? err.message }),
          );
        } else if (m.type === 'reloaded' || m.type === 'metrics-text' || m.type === 'upstreams-status') pending.get(m.id)?.(m);
      });
      w.on('exit', (code, signal) => {
        workers.delete(w);
        if (!started) {
          if (!st.ready) reject(new AppError('GW_WORKER_START', `a gateway worker failed to start (exit code ${code}); its error is printed above`));
          return;
        }
        if (stopping) return;
        quickCrashes = Date.now() - st.startedAt < QUICK_CRASH_MS ? quickCrashes + 1 : 0;
        const delay = restartDelay(quickCrashes);
        log.error({ worker: w.id, code, signal, restart_in_ms: delay }, 'worker exited; starting a new one');
        setTimeout(() => {
          if (!stopping) void fork(slot).catch(() => {});
        }, delay);
      });
    });
  try {
    await Promise.all(Array.from({ length: n }, (_, slot) => fork(slot)));
  } catch (err) {
    stopping = true;
    for (const w of workers.keys()) w.kill();
    clearInterval(keepAlive);
    await health.close();
    sockets.closeAll();
    throw err;
  }
  started = true;
  log.info({ workers: n }, 'gateway workers started');

  const reloadOnce = async (): Promise<{ ok: boolean; ms: number; issues: ConfigIssue[] }> => {
    const t0 = performance.now();
    const fail = (issues: ConfigIssue[]) => {
      reloads.inc(['failure']);
      log.error({ errors: issues.map(formatIssue) }, 'config reload rejected; the previous config stays live');
      return { ok: false, ms: performance.now() - t0, issues };
    };
    let next: GatewayConfig;
    try {
      const r = await readConfig(source);
      if (r.issues.length) return fail(r.issues);
      for (const w of r.warnings) log.warn({ path: w.path }, formatIssue(w));
      const inl = inlineFiles(r.config);
      if (inl.issues.length) return fail(inl.issues);
      next = inl.config;
      const logs = Object.entries(next.servers).flatMap(([name, sc]) => (sc.access_log && isLogPath(sc.access_log) ? [{ name, file: resolve(sc.access_log) }] : []));
      const failed = prepareLogFiles(next.basic, logs.map((l) => l.file));
      if (failed.length) return fail(failed.map((f) => ({ path: `servers.${logs.find((l) => l.file === f.file)!.name}.access_log`, message: `cannot create ${f.file}: ${f.error}` })));
    } catch (err) {
      return fail([{ path: source.path ?? source.url, message: (err as Error).message }]);
    }
    for (const k of ['user', 'group'] as const) {
      if (next.basic[k] !== live.basic[k]) log.warn({ path: `basic.${k}` }, `basic.${k} changed: running workers keep their account; it applies to workers started from now on and after a restart`);
    }
    if (next.basic.threads !== live.basic.threads) log.warn({ path: 'basic.threads' }, `basic.threads changed: ${n} workers keep running; the new count applies after a restart`);
    let swap: AdminSwap;
    try {
      swap = await admin.prepare(next.basic.admin_addr);
    } catch (err) {
      return fail([listenIssue(err, 'basic.admin_addr')]);
    }
    const version = liveVersion + 1;
    const targets = [...workers.values()].filter((st) => st.ready);
    const replies = await Promise.all(targets.map(async (st) => ({ st, r: await ask(st.worker, { type: 'reload', id: ++seq, config: next, version }) })));
    const failed = replies.filter(({ r }) => !(r?.type === 'reloaded' && r.ok));
    if (failed.length) {
      await swap.abort();
      // Workers that took the new config go back to the live one, so all of them keep serving the same config.
      await Promise.all(replies.filter((x) => !failed.includes(x)).map(({ st }) => ask(st.worker, { type: 'reload', id: ++seq, config: live, version: liveVersion })));
      // The workers run the same config, so they usually fail alike: each issue is reported once, as one gateway reports it.
      const issues = new Map<string, ConfigIssue>();
      for (const { st, r } of failed) {
        for (const i of r?.type === 'reloaded' ? r.issues : [{ path: `worker ${st.worker.id}`, message: 'did not answer' }]) issues.set(`${i.path}\n${i.message}`, i);
      }
      return fail([...issues.values()]);
    }
    swap.commit();
    live = next;
    liveVersion = version;
    for (const { st } of replies) st.version = version;
    for (const st of workers.values()) catchUp(st);
    sockets.keep(listenerKeys(live).map((l) => l.key));
    health.update(live);
    const snapshot = health.snapshot();
    for (const w of workers.keys()) send(w, { type: 'health', snapshot });
    reloads.inc(['success']);
    const ms = performance.now() - t0;
    log.info({ ms: Math.round(ms * 10) / 10 }, 'config reloaded');
    return { ok: true, ms, issues: [] };
  };
  let reloading: Promise<unknown> = Promise.resolve();
  const reload = () => {
    const p = reloading.then(reloadOnce, reloadOnce);
    reloading = p;
    return p;
  };

  const admin = new AdminListener({
    metrics: async () => {
      const rs = await Promise.all([...workers.values()].filter((st) => st.ready).map(async (st) => ({ worker: String(st.worker.id), reply: await ask(st.worker, { type: 'metrics', id: ++seq }, 3000) })));
      const texts = rs.flatMap((r) => (r.reply?.type === 'metrics-text' ? [{ worker: r.worker, text: r.reply.text }] : []));
      return mergeMetrics(texts, new Set(['gateway_config_reloads_total'])) + registry.render();
    },
    reload,
    // Health and breaker state are per worker; each worker's view is reported under its id.
    upstreams: async () => {
      const rs = await Promise.all([...workers.values()].filter((st) => st.ready).map(async (st) => [String(st.worker.id), await ask(st.worker, { type: 'upstreams', id: ++seq }, 3000)] as const));
      const out: Record<string, unknown> = {};
      for (const [id, r] of rs) if (r?.type === 'upstreams-status') out[`worker ${id}`] = r.status;
      return out;
    },
    token: () => live.basic.admin_token ?? process.env.GATEWAY_ADMIN_TOKEN,
  });
  try {
    (await admin.prepare(live.basic.admin_addr)).commit();
  } catch (err) {
    stopping = true;
    for (const w of workers.keys()) w.kill();
    clearInterval(keepAlive);
    await health.close();
    sockets.closeAll();
    throw err;
  }
  onReloadTrigger(() => void reload());

  await stopSignal;
  stopping = true;
  log.info({}, 'stopping workers');
  await Promise.all(
    [...workers.keys()].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          w.once('exit', () => resolve());
          send(w, { type: 'stop' });
        }),
    ),
  );
  await admin.close();
  await health.close();
  sockets.closeAll();
  clearInterval(keepAlive);
}
