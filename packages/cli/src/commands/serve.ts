import { createLogger, errorMessage } from '@etcd-monitor/core';
import type { MonitorConfig, MonitorService } from '@etcd-monitor/monitor';
import type { CliIo, RegisterCommand } from '../io.ts';

/** registerServe adds `serve`: the long-running monitor service. */
export const registerServe: RegisterCommand = (program, io, setExit) => {
  program
    .command('serve')
    .description('run the monitor: watch the configured etcd clusters, keep history, serve the UI, API and /metrics')
    .option('-c, --config <file>', 'TOML config file (default: none; watches 127.0.0.1:2379)')
    .option('--listen <host:port>', 'HTTP address, overrides [server] listen (default 127.0.0.1:8390)')
    .option('--data-dir <dir>', 'data directory, overrides [server] data_dir (default ./data)')
    .option(
      '--secret-key-file <file>',
      'key that encrypts stored credentials, overrides [server] secret_key_file (default DATA_DIR/secret.key); keep it outside the data directory so a copy of the data is not a copy of the key',
    )
    .action(async (o: { config?: string; listen?: string; dataDir?: string; secretKeyFile?: string }) => {
      const { loadConfig, splitHostPort } = await import('@etcd-monitor/monitor');
      const config = loadConfig(o.config);
      if (o.listen) {
        splitHostPort(o.listen);
        config.server.listen = o.listen;
      }
      if (o.dataDir) config.server.dataDir = o.dataDir;
      if (o.secretKeyFile) config.server.secretKeyFile = o.secretKeyFile;
      setExit(await runUntilSignal(config, io));
    });
};

/** runUntilSignal builds and starts the monitor, prints its URL, and stops it cleanly on SIGINT or SIGTERM. */
export async function runUntilSignal(
  config: MonitorConfig,
  io: CliIo,
  onStarted?: (url: string, svc: MonitorService) => Promise<void> | void,
  onStopping?: () => Promise<void>,
): Promise<number> {
  const log = createLogger({ name: 'etcd-monitor', destination: io.err });
  const { createMonitor } = await import('@etcd-monitor/monitor');
  // Built without starting: listen() binds first, so a taken port fails before any etcd connection or timer exists.
  const svc = await createMonitor(config, { env: io.env, logger: { info: (m, f) => log.info(f ?? {}, m), warn: (m, f) => log.warn(f ?? {}, m) } });
  let url: string;
  try {
    url = await svc.listen();
  } catch (err) {
    await svc.stop();
    throw err;
  }
  // The old generation grows by half its live size after a full GC instead of V8's adaptive factor (up to 4×), which
  // let garbage pile up to 150 MB on a busy machine (bench/monitor-scale.ts). Set now that the service has loaded its
  // modules, not in the bin's shebang: as a start-up flag it makes Node.js reject its built-in modules' code cache in
  // every command (see the bin). V8 reads the flag at each full GC.
  process.getBuiltinModule('node:v8').setFlagsFromString('--heap-growing-percent=50');
  io.out.write(`etcd-monitor is listening on ${url}  (API: ${url}/api/v1/clusters, docs: ${url}/api/docs, metrics: ${url}/metrics)\n`);
  await onStarted?.(url, svc);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  io.out.write('stopping…\n');
  try {
    // The monitor stops first: what it started for the demo going away is not an incident to record.
    await svc.stop();
    await onStopping?.();
  } catch (err) {
    io.err.write(`etcd-monitor: error while stopping: ${errorMessage(err)}\n`);
    return 1;
  }
  return 0;
}
