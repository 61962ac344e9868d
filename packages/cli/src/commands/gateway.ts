import { errorMessage } from '@etcd-monitor/core';
import type { RegisterCommand } from '../io.ts';

/** registerGateway adds `gateway`: run the reverse proxy from a pingap-style TOML file, or check the file with `-t`. */
export const registerGateway: RegisterCommand = (program, io, setExit) => {
  program
    .command('gateway')
    .description('run the reverse proxy gateway from a pingap-style TOML config (-t: check the config and exit)')
    .requiredOption('-c, --config <file>', 'gateway TOML config: a file path or a file:// URL')
    .option('-t, --test', 'validate the config without starting: print every error with its key path and a hint; exit 0 when valid, 1 otherwise')
    .action(async (o: { config: string; test?: boolean }) => {
      // Loaded here, not at the top: every other command (and --help) would otherwise load the gateway's ~100 modules.
      const { formatIssue, openConfigSource, readConfig, runGateway } = await import('@etcd-monitor/gateway');
      let result;
      let source;
      try {
        source = openConfigSource(o.config);
        result = await readConfig(source);
      } catch (err) {
        io.err.write(`etcd-monitor gateway: ${errorMessage(err)}\n`);
        setExit(1);
        return;
      }
      for (const w of result.warnings) io.err.write(`warning: ${formatIssue(w)}\n`);
      if (result.issues.length) {
        for (const i of result.issues) io.err.write(`${formatIssue(i)}\n`);
        io.err.write(`${o.config}: ${result.issues.length} error${result.issues.length === 1 ? '' : 's'}; the config is not valid\n`);
        setExit(1);
        return;
      }
      const c = result.config;
      if (o.test) {
        io.out.write(
          `${o.config}: the config is valid (${Object.keys(c.servers).length} servers, ${Object.keys(c.locations).length} locations, ${Object.keys(c.upstreams).length} upstreams, ${Object.keys(c.plugins).length} plugins)\n`,
        );
        return;
      }
      await runGateway(source);
    });
};
