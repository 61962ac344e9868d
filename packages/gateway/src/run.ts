import { watch, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { loadConfigFile } from './config/load.ts';
import { formatIssue } from './config/fields.ts';
import { Gateway } from './gateway.ts';
import { createLogger, type LogLevel } from './observability/log.ts';

/** RunOptions tune `runGateway` for tests. */
export interface RunOptions {
  /** signal stops the gateway when aborted (in addition to SIGTERM/SIGINT). */
  signal?: AbortSignal;
  /** onStarted is called with the running gateway. */
  onStarted?: (gw: Gateway) => void;
}

/** watchFile calls `onChange` (debounced) when the file is written or replaced; editors that rename over the file are covered by watching its directory. */
export function watchFile(file: string, onChange: () => void): FSWatcher {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  const w = watch(dirname(file), (_event, changed) => {
    if (changed !== null && changed !== name) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, 150);
  });
  w.unref();
  return w;
}

/** runGateway runs a gateway from a config file until SIGTERM/SIGINT (or the abort signal), reloading on SIGHUP and on file changes; it resolves once drained. */
export async function runGateway(file: string, opts: RunOptions = {}): Promise<void> {
  const path = resolve(file);
  const { config, warnings } = loadConfigFile(path);
  const log = createLogger(config.basic.log_level as LogLevel);
  for (const w of warnings) log.warn({ path: w.path }, formatIssue(w));
  const gw = await Gateway.start(config, { configFile: path, log });
  if (config.basic.pid_file) {
    try {
      writeFileSync(config.basic.pid_file, `${process.pid}\n`);
    } catch (err) {
      log.warn({ pid_file: config.basic.pid_file, error: (err as Error).message }, 'cannot write the pid file');
    }
  }
  opts.onStarted?.(gw);
  const reload = () => void gw.reload();
  process.on('SIGHUP', reload);
  const watcher = config.basic.watch ? watchFile(path, reload) : undefined;
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    opts.signal?.addEventListener('abort', stop, { once: true });
  });
  log.info({ grace_ms: gw.runtime.config.basic.grace_period }, 'draining');
  process.off('SIGHUP', reload);
  watcher?.close();
  await gw.stop();
  log.info({}, 'stopped');
}
