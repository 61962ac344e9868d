import { chmodSync, closeSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AppError, errorMessage, parseHostPort, versionInfo } from '@etcd-monitor/core';
import type { MonitorConfig } from './config.ts';
import { collectors } from './collectors/index.ts';
import { ClusterRegistry } from './registry.ts';
import { openSecretBox } from './secrets.ts';
import { openSqliteStore } from './storage/index.ts';
import type { Store } from './storage/types.ts';
import { LiveHub } from './api/live.ts';
import { buildApi } from './api/app.ts';
import { clusterView } from './api/views.ts';
import { createMonitorMetrics } from './metrics.ts';
import { Auth } from './auth/auth.ts';
import { AlertingService } from './alerting/service.ts';
import { memberKeys, namedQuery, type MemberKeys } from './member-keys.ts';

/** MonitorLogger is where the service reports what happens; structured fields, never secrets. */
export interface MonitorLogger {
  /** info logs a normal event. */
  info(msg: string, fields?: Record<string, unknown>): void;
  /** warn logs a problem the service survives. */
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/**
 * MonitorService is the whole monitor: store, cluster monitors, alerting, API. createMonitor builds it without starting
 * anything; start() starts monitoring and listen() serves HTTP; stop() undoes whatever of that has happened.
 */
export interface MonitorService {
  /** app is the Fastify app (use `app.inject()` in tests). */
  app: FastifyInstance;
  /** registry holds the running cluster monitors. */
  registry: ClusterRegistry;
  /** store is the embedded store. */
  store: Store;
  /**
   * start starts monitoring: the cluster monitors (config file first, then those created through the API and
   * persisted), alert evaluation and delivery, the live stream's heartbeat and store maintenance. Idempotent; when a
   * step throws, what it had started is stopped again before the error is passed on.
   */
  start(): Promise<void>;
  /** listen serves HTTP on the configured address (binding first, so a taken port fails before anything starts), then starts monitoring, and resolves to the URL. */
  listen(): Promise<string>;
  /** stop stops monitoring, closes the server, flushes and closes the store; safe after a partial start or a failed one, and more than once. */
  stop(): Promise<void>;
}

const PROBE_SERIES: Record<string, 'linearizable' | 'serializable' | 'write'> = {
  probe_read_linearizable_ms: 'linearizable',
  probe_read_serializable_ms: 'serializable',
  probe_write_ms: 'write',
};

/** MonitorOptions are what the environment gives the monitor beside its config. */
export interface MonitorOptions {
  /** env is where ETCD_MONITOR_SECRET_KEY and ETCD_MONITOR_ADMIN_PASSWORD are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** logger receives the service's log lines; default none. */
  logger?: MonitorLogger;
  /** version is what /api/v1/version reports; default the package's. */
  version?: string;
}

/**
 * buildMonitor builds the monitor and starts monitoring (createMonitor, then start()), without listening: what tests
 * driving the API through `app.inject()` want. When starting throws, everything is stopped and the store closed.
 */
export async function buildMonitor(config: MonitorConfig, o: MonitorOptions = {}): Promise<MonitorService> {
  const svc = await createMonitor(config, o);
  try {
    await svc.start();
  } catch (err) {
    await svc.stop();
    throw err;
  }
  return svc;
}

/**
 * createMonitor opens the store and the alert outbox under the data dir and builds the cluster registry, alerting and
 * the API, starting nothing: no cluster monitor, timer, delivery or listener runs until start() or listen(). When a
 * step throws, what was opened is closed again.
 */
export async function createMonitor(config: MonitorConfig, o: MonitorOptions = {}): Promise<MonitorService> {
  const log: MonitorLogger = o.logger ?? { info: () => {}, warn: () => {} };
  const dataDir = resolve(config.server.dataDir);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new AppError('MON_CONFIG', `server.data_dir: cannot create ${dataDir}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
      field: 'server.data_dir',
      hint: 'choose a writable directory',
    });
  }
  restrictToOwner(dataDir, ['etcd-monitor.db', 'outbox.db'], log);
  // An 8 MiB page cache instead of 32: the hot pages are the newest of each series, and RSS is a target (docs/monitor.md).
  const store = openSqliteStore({ path: join(dataDir, 'etcd-monitor.db'), cacheKiB: 8192, retention: config.storage.retention });
  const opened: Array<() => unknown> = [() => store.close()];
  try {
    return await assemble(config, o, log, dataDir, store, opened);
  } catch (err) {
    for (const close of opened.reverse()) {
      try {
        await close();
      } catch {
        // The build's own error is the one to report.
      }
    }
    throw err;
  }
}

async function assemble(config: MonitorConfig, o: MonitorOptions, log: MonitorLogger, dataDir: string, store: Store, opened: Array<() => unknown>): Promise<MonitorService> {
  const keyFile = resolve(config.server.secretKeyFile ?? join(dataDir, 'secret.key'));
  const secrets = openSecretBox({ env: o.env ?? process.env, keyFile });
  try {
    if ((statSync(keyFile).mode & 0o077) !== 0) log.warn(`the secret key file ${keyFile} is readable by other users`, { hint: `chmod 600 ${keyFile}` });
  } catch {
    // No key file: the key comes from ETCD_MONITOR_SECRET_KEY.
  }
  const metrics = createMonitorMetrics();
  const auth = new Auth(store, { maxFailures: config.auth.loginMaxFailures, lockoutMs: config.auth.loginLockoutMs });
  // First start with ETCD_MONITOR_ADMIN_PASSWORD set: create the admin user, so a login-only setup works from the start.
  const adminPassword = (o.env ?? process.env).ETCD_MONITOR_ADMIN_PASSWORD;
  if (adminPassword && !auth.listUsers().some((u) => u.name === 'admin')) auth.setUser('admin', adminPassword, 'admin');
  const live = new LiveHub();
  opened.push(() => live.close());
  const externalUrl = `http://${config.server.listen}`;
  // Rules name members as the live snapshot does (name, else id); they read and write the id-keyed store through this.
  let keys: MemberKeys = memberKeys(() => []);
  const byName: Store = new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === 'query')
        return (q: Parameters<Store['query']>[0]) => {
          const r = namedQuery(target, keys, q);
          return { ...r, points: r.points.map((p) => ({ member: q.member !== undefined ? q.member : p.member, points: p.points })) };
        };
      if (prop === 'append')
        return (samples: Parameters<Store['append']>[0]) => target.append(samples.map((x) => (x.member === '' ? x : { ...x, member: keys.key(x.cluster, x.member) })));
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const alerting = new AlertingService({
    store: byName,
    dataDir,
    config: config.alerting,
    externalUrl,
    secrets,
    onError: (err) => log.warn('alerting error', { error: errorMessage(err) }),
    onDelivery: (r) => {
      if (r.attempt.outcome !== 'delivered')
        log.warn('notification not delivered', { channel: r.notification.channel, outcome: r.attempt.outcome, error: r.attempt.error, state: r.state });
    },
  });
  opened.push(() => alerting.stop());
  const registry = new ClusterRegistry({
    store,
    secrets,
    deps: {
      collectors,
      onSamples(samples, label) {
        store.append(samples);
        // The store keys a member's series by id; rules and the monitor's own metrics name members as people do.
        const named = label && samples[0] && samples[0].member !== label ? samples.map((s) => ({ ...s, member: label })) : samples;
        alerting.addSamples(named);
        metrics.observeSamples(samples.length);
        for (const s of named) {
          const kind = PROBE_SERIES[s.series];
          if (kind) metrics.observeProbe(s.cluster, s.member, kind, s.v);
        }
      },
      onEvent(e) {
        store.appendEvent(e);
        metrics.observeEvent(e);
        live.event(e.cluster, { ...e, time: new Date(e.time).toISOString() });
        log.info(`event ${e.type}`, { cluster: e.cluster, member: e.member, message: e.message });
      },
      onUpdate(s) {
        metrics.observeSnapshot(s);
        alerting.observe(s);
        if (live.clientCount() > 0) live.update(s.name, clusterView({ ...s, source: registry.sourceOf(s.name) }));
      },
      onRemoved(name) {
        metrics.forgetCluster(name);
        alerting.forgetCluster(name);
      },
      onError(err) {
        metrics.observeCollectorError('internal');
        log.warn('monitor error', { error: errorMessage(err) });
      },
    },
  });
  const app = await buildApi({
    registry,
    store,
    live,
    metrics: metrics.registry,
    version: o.version ?? versionInfo().version,
    auth,
    alerting,
    anonymousRole: config.auth.anonymousRole,
    audit(action, target, req, detail = {}) {
      const time = Date.now();
      const actor = req.principal.name;
      store.appendAudit({ time, actor, role: req.principal.role, action, target, ip: req.ip, ...detail });
      log.info('audit', { action, target, actor, ip: req.ip, ...detail });
    },
  });
  keys = registry.members;
  opened.push(() => app.close());

  let maintain: NodeJS.Timeout | undefined;
  let started = false;
  let stopped = false;
  const startMonitoring = () => {
    if (started) return;
    started = true;
    alerting.start();
    live.start();
    registry.load(config.clusters);
    // Zero-config start: watch the etcd default endpoint when nothing else is configured or stored.
    if (registry.list().length === 0 && config.clusters.length === 0) {
      registry.create({ name: 'local', endpoints: ['127.0.0.1:2379'] });
      log.info('no cluster configured: watching 127.0.0.1:2379 as "local"');
    }
    // Alerts restored from before a restart resolve for clusters that are no longer configured.
    alerting.retainClusters(registry.list().map((c) => c.name));
    maintain = setInterval(() => {
      try {
        store.maintain();
      } catch (err) {
        log.warn('store maintenance failed', { error: errorMessage(err) });
      }
    }, 60_000);
    maintain.unref();
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    clearInterval(maintain);
    await registry.stop();
    await alerting.stop();
    live.close();
    // Fastify's close is safe whether or not it listened: it also ends the app's own plugins.
    await app.close();
    store.flush();
    store.close();
  };
  const start = async () => {
    if (stopped) throw new AppError('MON_STOPPED', 'the monitor was stopped', { hint: 'build a new one with createMonitor' });
    try {
      startMonitoring();
    } catch (err) {
      await stop();
      throw err;
    }
  };
  return {
    app,
    registry,
    store,
    start,
    async listen() {
      if (stopped) throw new AppError('MON_STOPPED', 'the monitor was stopped', { hint: 'build a new one with createMonitor' });
      const [host, port] = splitHostPort(config.server.listen);
      try {
        await app.listen({ host, port });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new AppError(
          'MON_LISTEN',
          `server.listen: cannot listen on ${config.server.listen}: ${code === 'EADDRINUSE' ? 'the address is in use' : (code ?? errorMessage(err))}`,
          {
            field: '--listen',
            hint: code === 'EADDRINUSE' ? 'stop the other process or pass --listen 127.0.0.1:PORT' : 'check the address',
          },
        );
      }
      await start();
      const addr = app.server.address();
      const p = typeof addr === 'object' && addr ? addr.port : port;
      return `http://${host.includes(':') ? `[${host}]` : host}:${p}`;
    },
    stop,
  };
}

/**
 * restrictToOwner makes the data directory 0700 and every file in it 0600, and creates the named database files 0600
 * before SQLite opens them (SQLite gives its -wal and -shm files the database file's mode), so the stored history,
 * users and sealed credentials are readable by the monitor's user only, whatever the umask and for files an earlier
 * version left readable.
 */
function restrictToOwner(dir: string, dbFiles: string[], log: MonitorLogger): void {
  const fix = (path: string, mode: number) => {
    try {
      if ((statSync(path).mode & 0o777) !== mode) chmodSync(path, mode);
    } catch (err) {
      log.warn(`cannot restrict ${path} to its owner`, { error: errorMessage(err), hint: `chmod ${mode.toString(8)} ${path}` });
    }
  };
  fix(dir, 0o700);
  for (const f of dbFiles) {
    try {
      closeSync(openSync(join(dir, f), 'a', 0o600));
    } catch {
      // Reported by the store when it opens the file.
    }
  }
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isFile()) fix(join(dir, e.name), 0o600);
}

/** splitHostPort splits the `server.listen` address `host:port` (IPv6 in brackets; port 0 picks a free port). */
export function splitHostPort(addr: string): [string, number] {
  const { host, port } = parseHostPort(addr, { field: 'server.listen', code: 'MON_CONFIG', allowPortZero: true, example: '127.0.0.1:8390' });
  return [host, port];
}
