import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from './config/load.ts';
import { openConfigSource, type ConfigSource } from './config/source/index.ts';
import { formatIssue } from './config/fields.ts';
import { runPrimary, workerCount } from './supervisor/supervisor.ts';
import { createLogger } from './observability/log.ts';
import { planPrivileges } from './privileges.ts';
import { pluginDirChange, watchPluginDir } from './plugins/user.ts';
import type { GatewayConfig } from './config/schema.ts';
import type { Logger } from './observability/log.ts';

/** RunOptions tune `runGateway` for embedding and tests. */
export interface RunOptions {
  /** signal stops the gateway when aborted (in addition to SIGTERM/SIGINT). */
  signal?: AbortSignal;
}

export { watchFile } from './config/source/file.ts';

/**
 * runGateway runs a gateway from a config source (a path, a `file://` URL, or a ConfigSource) until SIGTERM/SIGINT (or
 * the abort signal) and resolves once drained. SIGHUP and changes the source reports (with `basic.watch`) reload. This
 * process supervises `threads` worker processes (0: one per core) that share the listeners; even one worker runs apart,
 * so that it loads only the gateway (not the whole CLI) and is restarted if it dies.
 */
export async function runGateway(from: string | ConfigSource, opts: RunOptions = {}): Promise<void> {
  const source = typeof from === 'string' ? openConfigSource(from) : from;
  const { config, warnings } = await loadConfig(source);
  const log = createLogger(config.basic.log_level);
  for (const w of warnings) log.warn({ path: w.path }, formatIssue(w));
  const plan = planPrivileges(config.basic);
  // Like nginx: only root can switch; anyone else runs as they are, and says so once.
  if (plan.action === 'ignore' && plan.reason)
    log.warn(
      { uid: process.geteuid?.(), user: config.basic.user, group: config.basic.group },
      `basic.user/basic.group: not running as root, so ${plan.reason} cannot be applied; ignored`,
    );
  let pidFile = '';
  if (config.basic.pid_file) {
    pidFile = resolve(source.baseDir, config.basic.pid_file);
    try {
      writeFileSync(pidFile, `${process.pid}\n`);
    } catch (err) {
      log.warn({ pid_file: config.basic.pid_file, error: (err as Error).message }, 'cannot write the pid file');
      pidFile = '';
    }
  }
  // However the process ends (an uncaught error included), a stale pid file must not name it.
  const onExit = () => pidFile && removePidFile(pidFile);
  process.on('exit', onExit);
  const stopped = new Promise<void>((done) => {
    process.once('SIGTERM', () => done());
    process.once('SIGINT', () => done());
    opts.signal?.addEventListener('abort', () => done(), { once: true });
  });
  // The supervisor can reload only once every worker runs, but the first one serves earlier: a reload asked for until
  // then (SIGHUP, a change the watchers saw) is remembered and runs at once.
  let asked = false;
  let reload: () => void = () => (asked = true);
  const onHup = () => reload();
  process.on('SIGHUP', onHup);
  const watcher = config.basic.watch ? source.watch(() => reload()) : undefined;
  // Editing a plugin of basic.plugin_dir reloads too (the folder named at start; another folder is watched after a restart).
  const pluginDir = config.basic.plugin_dir ? resolve(config.baseDir ?? process.cwd(), config.basic.plugin_dir) : undefined;
  const pluginWatcher = config.basic.watch && pluginDir ? watchPluginDir(pluginDir, () => reload()) : undefined;
  try {
    log.info({ workers: workerCount(config.basic.threads) }, 'starting');
    await runPrimary(source, config, log, stopped, (r) => {
      reload = r;
      if (asked) {
        log.info({}, 'a reload was asked for while the workers started; reloading');
        r();
      } else if (config.basic.watch) {
        // The config was read before the watchers were armed: a change in between was seen by no one.
        void reloadIfChanged(source, config, pluginDir, log, r);
      }
    });
  } finally {
    process.off('SIGHUP', onHup);
    watcher?.close();
    pluginWatcher?.close();
    if (pidFile) removePidFile(pidFile);
    process.off('exit', onExit);
    log.info({}, 'stopped');
  }
}

/** reloadIfChanged reloads when the config or a plugin file differs from what `config` was read from. */
async function reloadIfChanged(source: ConfigSource, config: GatewayConfig, pluginDir: string | undefined, log: Logger, reload: () => void): Promise<void> {
  let changed: string | undefined;
  try {
    if ((await source.read()).version !== config.sourceVersion) changed = source.path ?? source.url;
  } catch {
    changed = source.path ?? source.url; // unreadable now: the reload reports it
  }
  changed ??= pluginDir === undefined ? undefined : pluginDirChange(pluginDir, config.pluginModules ?? []);
  if (changed === undefined) return;
  log.info({ changed }, 'changed while the workers started; reloading');
  reload();
}

/** removePidFile deletes the pid file unless another process has written its own pid there since. */
function removePidFile(file: string): void {
  try {
    if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file);
  } catch {
    // already gone
  }
}
