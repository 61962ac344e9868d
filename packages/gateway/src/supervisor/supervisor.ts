import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { AppError } from '@etcd-monitor/core';
import { AdminListener } from '../admin/listener.ts';
import { formatIssue } from '../config/fields.ts';
import { inlineFiles } from '../config/files.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { ConfigSource } from '../config/source/index.ts';
import type { Logger } from '../observability/log.ts';
import { Counter, Gauge, Registry } from '../observability/metrics.ts';
import { ACROSS_WORKERS, SUPERVISOR_FAMILIES } from '../observability/gateway-metrics.ts';
import { WorkerMetrics } from './metrics.ts';
import { SupervisorCounters } from '../plugins/limit/ipc.ts';
import { SharedHealth } from '../upstream/shared-health.ts';
import { supervisorAdminBackend } from './admin-backend.ts';
import { isAnswer, type WorkerMessage } from './messages.ts';
import { createReload, type LiveConfig } from './reload.ts';
import { ListenSockets } from './sockets.ts';
import { WorkerPool, type WorkerState } from './workers.ts';

/** workerCount resolves `threads` (0: one per core). */
export function workerCount(threads: number): number {
  return threads === 0 ? availableParallelism() : threads;
}

/** restartDelay is the backoff before restarting a worker: none after a worker that ran a while, then 200 ms doubling to 10 s while workers keep dying young. */
export function restartDelay(quickCrashes: number): number {
  return quickCrashes === 0 ? 0 : Math.min(100 * 2 ** quickCrashes, 10_000);
}

/** A worker that dies within this time of starting counts as a quick crash for the backoff. */
const QUICK_CRASH_MS = 10_000;

/** workerExecArgv are the node flags a worker starts with. */
function workerExecArgv(): string[] {
  // A 4 MiB young generation keeps a worker's RSS under load about 50 MB lower at no measurable throughput cost; a flag given to node wins.
  // The monitor's --heap-growing-percent is not on the bin's #! line (serve.ts sets it at run time), so workers keep V8's
  // own old-generation growth, which means fewer full GCs under load (0.45 → 0.47× nginx with 64 connections, 0.35 → 0.42× with 256).
  const inherited = process.execArgv;
  // Not --single-threaded-gc: pinned to one core it shortened scavenge pauses (114 vs 390 ms per 100k requests), but
  // took more CPU per request (37 vs 34 µs) and V8 counted three times the allocation (15 vs 4.5 KB per request), for
  // half the throughput (bench/gateway/latency.ts --node-flags, docs/gateway-latency.md).
  return inherited.some((a) => a.startsWith('--max-semi-space-size')) ? inherited : [...inherited, '--max-semi-space-size=4'];
}

/**
 * runPrimary supervises `threads` worker processes: it binds and keeps the listening sockets, forks lean workers (they load
 * only the gateway) and hands them the config, restarts crashed ones with backoff, validates reloads once and then hands the
 * new config to every worker (reload.ts), serves the admin listener with metrics merged from all workers
 * (admin-backend.ts), and drains them on stop.
 */
export async function runPrimary(
  source: ConfigSource,
  initial: GatewayConfig,
  log: Logger,
  stopSignal: Promise<void>,
  onReloadTrigger: (reload: () => void) => void,
): Promise<void> {
  const n = workerCount(initial.basic.threads);
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./worker.ts', import.meta.url)), args: [], execArgv: workerExecArgv(), silent: false });
  const inlined = inlineFiles(initial);
  if (inlined.issues.length) throw new AppError('GW_CONFIG_INVALID', inlined.issues.map(formatIssue).join('\n'));
  const live: LiveConfig = { config: inlined.config, version: 1 };
  let stopping = false;
  let started = false;
  let quickCrashes = 0;
  const pool = new WorkerPool();
  const sockets = new ListenSockets();
  const registry = new Registry();
  // The primary validates every reload, so it is the one that counts them: a config it rejects never reaches a worker.
  const reloads = registry.add(new Counter('gateway_config_reloads_total', 'Config reloads, by result (success or failure).', ['result']));
  reloads.child('success');
  reloads.child('failure');
  let lastReload = Date.now() / 1000;
  registry.add(new Gauge('gateway_config_last_reload_success_timestamp_seconds', 'When the live config was loaded.', [], () => [[[], lastReload]]));
  registry.add(new Gauge('gateway_workers', 'Worker processes serving.', [], () => [[[], pool.ready().length]]));
  // The workers' metrics are answered as one gateway's: each series once, summed (or min/max), retired workers kept in the totals.
  const merged = new WorkerMetrics(SUPERVISOR_FAMILIES, ACROSS_WORKERS);
  // Limits without Redis count here for every worker (plugins/limit/ipc.ts), so `max` holds per gateway, not per worker.
  const counters = new SupervisorCounters();
  const health = new SharedHealth((snapshot) => pool.broadcast({ type: 'health', snapshot }));
  health.update(live.config);
  // Nothing else may hold the event loop while a worker restarts (no admin listener, no worker): the primary must outlive its workers.
  const keepAlive = setInterval(() => {}, 1 << 30);

  /** catchUp hands the live config to a ready worker that started on an older one (it forked while a reload ran). */
  const catchUp = (st: WorkerState) => {
    if (!st.ready || st.version === live.version) return;
    const { config, version } = live;
    void pool.ask(st.worker, { type: 'reload', config, version }).then((r) => {
      if (r?.type === 'reloaded' && r.ok) st.version = version;
      else log.error({ worker: st.worker.id, errors: r?.type === 'reloaded' ? r.issues.map(formatIssue) : ['no answer'] }, 'a worker could not take the live config');
    });
  };

  const fork = (slot: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork();
      const st: WorkerState = { worker: w, slot, ready: false, version: 0, startedAt: Date.now() };
      pool.all.set(w, st);
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'hello') {
          st.version = live.version;
          pool.send(w, { type: 'start', config: live.config, version: live.version, health: health.snapshot(), slot, workers: n });
        } else if (m.type === 'ready') {
          st.ready = true;
          resolve();
          catchUp(st);
        } else if (m.type === 'bind') {
          sockets.bind(m.key, m.host, m.port).then(
            (h) => pool.send(w, { type: 'bound', id: m.id }, h),
            (err: NodeJS.ErrnoException) => pool.send(w, { type: 'bound', id: m.id, code: err.code ?? err.message }),
          );
        } else if (m.type === 'limit') {
          const answer = counters.handle(w.id, m);
          if (answer) pool.send(w, answer);
        } else if (isAnswer(m)) pool.answered(m);
      });
      w.on('exit', (code, signal) => {
        pool.all.delete(w);
        merged.retire(String(w.id));
        counters.forget(w.id);
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
  const abandon = async (err: unknown): Promise<never> => {
    stopping = true;
    for (const w of pool.all.keys()) w.kill();
    clearInterval(keepAlive);
    await health.close();
    sockets.closeAll();
    throw err;
  };
  try {
    await Promise.all(Array.from({ length: n }, (_, slot) => fork(slot)));
  } catch (err) {
    await abandon(err);
  }
  started = true;
  log.info({ workers: n }, 'gateway workers started');

  // The reload and the admin listener need each other: a reload may move the admin address, the admin API reloads.
  const admin = new AdminListener(
    supervisorAdminBackend(
      pool,
      registry,
      merged,
      () => reload(),
      () => live.config.basic.admin_token ?? process.env.GATEWAY_ADMIN_TOKEN,
    ),
  );
  const reload = createReload({
    source,
    log,
    live,
    pool,
    admin,
    sockets,
    health,
    workers: n,
    counted: (result) => {
      reloads.inc([result]);
      if (result === 'success') lastReload = Date.now() / 1000;
    },
    catchUp,
  });
  try {
    (await admin.prepare(live.config.basic.admin_addr)).commit();
  } catch (err) {
    await abandon(err);
  }
  onReloadTrigger(() => void reload());

  await stopSignal;
  stopping = true;
  log.info({}, 'stopping workers');
  await Promise.all(
    [...pool.all.keys()].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          w.once('exit', () => resolve());
          pool.send(w, { type: 'stop' });
        }),
    ),
  );
  await admin.close();
  await health.close();
  sockets.closeAll();
  clearInterval(keepAlive);
}
