import { resolve } from 'node:path';
import type { ReloadOutcome } from '../admin/backend.ts';
import { listenIssue } from '../admin/backend.ts';
import type { AdminListener, AdminSwap } from '../admin/listener.ts';
import { formatIssue, type ConfigIssue } from '../config/fields.ts';
import { inlineFiles } from '../config/files.ts';
import { readConfig } from '../config/load.ts';
import type { GatewayConfig } from '../config/schema.ts';
import type { ConfigSource } from '../config/source/index.ts';
import { listenerKeys } from '../gateway.ts';
import type { Logger } from '../observability/log.ts';
import { prepareLogFiles } from '../privileges.ts';
import type { SharedHealth } from '../upstream/shared-health.ts';
import type { ListenSockets } from './sockets.ts';
import type { WorkerPool, WorkerState } from './workers.ts';

/** LiveConfig is the config every worker serves, and its version. */
export interface LiveConfig {
  /** config is the validated config, with certificate and key files inlined. */
  config: GatewayConfig;
  /** version counts the configs made live (the first is 1). */
  version: number;
}

/** ReloadContext is what a supervisor reload reads and changes. */
export interface ReloadContext {
  source: ConfigSource;
  log: Logger;
  live: LiveConfig;
  pool: WorkerPool;
  admin: AdminListener;
  sockets: ListenSockets;
  health: SharedHealth;
  /** workers is the number of workers started (a changed `threads` applies after a restart). */
  workers: number;
  /** counted records a reload's result in gateway_config_reloads_total. */
  counted(result: 'success' | 'failure'): void;
  /** catchUp hands the live config to a ready worker that runs an older one. */
  catchUp(st: WorkerState): void;
}

/**
 * readNextConfig reads the source, validates the config once for all workers, inlines the files the workers may not be
 * able to read, and creates the access log files (as the account the supervisor runs as); issues instead when any fails.
 */
export async function readNextConfig(ctx: Pick<ReloadContext, 'source' | 'log' | 'live' | 'workers'>): Promise<{ config: GatewayConfig } | { issues: ConfigIssue[] }> {
  const { source, log, live } = ctx;
  let next: GatewayConfig;
  try {
    const r = await readConfig(source);
    if (r.issues.length) return { issues: r.issues };
    for (const w of r.warnings) log.warn({ path: w.path }, formatIssue(w));
    const inl = inlineFiles(r.config);
    if (inl.issues.length) return { issues: inl.issues };
    next = inl.config;
    const logs = Object.entries(next.servers).flatMap(([name, sc]) => (sc.access_log?.file !== undefined ? [{ name, file: resolve(sc.access_log.file) }] : []));
    const failed = prepareLogFiles(
      next.basic,
      logs.map((l) => l.file),
    );
    if (failed.length)
      return { issues: failed.map((f) => ({ path: `servers.${logs.find((l) => l.file === f.file)!.name}.access_log`, message: `cannot create ${f.file}: ${f.error}` })) };
  } catch (err) {
    return { issues: [{ path: source.path ?? source.url, message: (err as Error).message }] };
  }
  for (const k of ['user', 'group'] as const) {
    if (next.basic[k] !== live.config.basic[k])
      log.warn({ path: `basic.${k}` }, `basic.${k} changed: running workers keep their account; it applies to workers started from now on and after a restart`);
  }
  if (next.basic.threads !== live.config.basic.threads)
    log.warn({ path: 'basic.threads' }, `basic.threads changed: ${ctx.workers} workers keep running; the new count applies after a restart`);
  return { config: next };
}

/**
 * createReload returns the supervisor's reload: validate once, open a new admin address, hand the config to every ready
 * worker, and make it live only when all took it (otherwise those that did go back, and the issues are reported once).
 * Calls are serialised.
 */
export function createReload(ctx: ReloadContext): () => Promise<ReloadOutcome> {
  const { log, live, pool } = ctx;
  const once = async (): Promise<ReloadOutcome> => {
    const t0 = performance.now();
    const fail = (issues: ConfigIssue[]) => {
      ctx.counted('failure');
      log.error({ errors: issues.map(formatIssue) }, 'config reload rejected; the previous config stays live');
      return { ok: false, ms: performance.now() - t0, issues };
    };
    const read = await readNextConfig(ctx);
    if ('issues' in read) return fail(read.issues);
    const next = read.config;
    let swap: AdminSwap;
    try {
      swap = await ctx.admin.prepare(next.basic.admin_addr);
    } catch (err) {
      return fail([listenIssue(err, 'basic.admin_addr')]);
    }
    const version = live.version + 1;
    const replies = await Promise.all(pool.ready().map(async (st) => ({ st, r: await pool.ask(st.worker, { type: 'reload', config: next, version }) })));
    const failed = replies.filter(({ r }) => !(r?.type === 'reloaded' && r.ok));
    if (failed.length) {
      await swap.abort();
      // Workers that took the new config go back to the live one, so all of them keep serving the same config.
      await Promise.all(replies.filter((x) => !failed.includes(x)).map(({ st }) => pool.ask(st.worker, { type: 'reload', config: live.config, version: live.version })));
      // The workers run the same config, so they usually fail alike: each issue is reported once, as one gateway reports it.
      const issues = new Map<string, ConfigIssue>();
      for (const { st, r } of failed) {
        for (const i of r?.type === 'reloaded' ? r.issues : [{ path: `worker ${st.worker.id}`, message: 'did not answer' }]) issues.set(`${i.path}\n${i.message}`, i);
      }
      return fail([...issues.values()]);
    }
    swap.commit();
    live.config = next;
    live.version = version;
    for (const { st } of replies) st.version = version;
    for (const st of pool.all.values()) ctx.catchUp(st);
    ctx.sockets.keep(listenerKeys(next).map((l) => l.key));
    ctx.health.update(next);
    pool.broadcast({ type: 'health', snapshot: ctx.health.snapshot() });
    ctx.counted('success');
    const ms = performance.now() - t0;
    log.info({ ms: Math.round(ms * 10) / 10 }, 'config reloaded');
    return { ok: true, ms, issues: [] };
  };
  let reloading: Promise<unknown> = Promise.resolve();
  return () => {
    const p = reloading.then(once, once);
    reloading = p;
    return p;
  };
}
