import { resolve } from 'node:path';
import { errorMessage } from '@etcd-monitor/core';
import { resolveConnectionOptions } from '@etcd-monitor/etcd/options';
import type { MemberClient } from '@etcd-monitor/etcd';
import type { TestCluster } from '@etcd-monitor/etcd/testing';
import { UsageError, type RegisterCommand } from '../io.ts';
import { runUntilSignal } from './serve.ts';
import { cleanStaleDemoDirs, demoDirPrefix } from './demo-cleanup.ts';

/** registerDemo adds `demo`: a local 3-member etcd cluster, a light write load, and the monitor watching it. */
export const registerDemo: RegisterCommand = (program, io, setExit) => {
  program
    .command('demo')
    .description('start a local 3-member etcd cluster, a light write load and the monitor against it; Ctrl-C stops everything')
    .option('--listen <host:port>', 'HTTP address of the monitor', '127.0.0.1:8390')
    .option('--data-dir <dir>', 'data directory of the monitor', './data/demo')
    .option('--members <n>', 'number of etcd members', '3')
    .action(async (o: { listen: string; dataDir: string; members: string }) => {
      const members = Number(o.members);
      if (!Number.isInteger(members) || members < 1 || members > 7) {
        throw new UsageError(`--members: "${o.members}" must be a whole number from 1 to 7`, { field: '--members', hint: 'e.g. --members 3' });
      }
      // Loaded here, not at the top: every command would otherwise load the monitor and gRPC (~50 MB of RSS).
      const [{ MemberClient }, { startCluster }, { parseConfig }] = await Promise.all([
        import('@etcd-monitor/etcd'),
        import('@etcd-monitor/etcd/testing'),
        import('@etcd-monitor/monitor'),
      ]);
      const config = parseConfig({ server: { listen: o.listen, data_dir: o.dataDir } });
      for (const c of await cleanStaleDemoDirs()) {
        io.out.write(`removed ${c.dir}, left by a demo that was killed (pid ${c.pid})${c.killed.length ? `, and stopped its etcd members (pids ${c.killed.join(', ')})` : ''}\n`);
      }
      io.out.write(`starting a local ${members}-member etcd cluster…\n`);
      let cluster: TestCluster;
      try {
        cluster = await startCluster({ members, dirPrefix: demoDirPrefix() });
      } catch (err) {
        io.err.write(`etcd-monitor demo: ${errorMessage(err)}\n`);
        setExit(1);
        return;
      }
      io.out.write(`etcd members: ${cluster.endpoints.join(', ')}  (data in ${cluster.dir})\n`);
      config.clusters.push(...parseConfig({ clusters: [{ name: 'demo', endpoints: cluster.endpoints, group: 'local', labels: { env: 'demo' }, write_probe: true }] }).clusters);
      config.server.dataDir = resolve(o.dataDir);
      const load = startLoad(cluster.endpoints, MemberClient);
      try {
        setExit(
          await runUntilSignal(
            config,
            io,
            (url) => {
              io.out.write(
                `\nOpen ${url}/api/v1/clusters — try: kill a member with \`kill ${cluster.members[0]!.pid}\` and watch the events at ${url}/api/v1/events\nCtrl-C stops the monitor, the load and the etcd cluster.\n`,
              );
            },
            async () => {
              await load.stop();
              await cluster.stop();
            },
          ),
        );
      } catch (err) {
        await load.stop();
        await cluster.stop();
        throw err;
      }
    });
};

/** startLoad writes and reads a few keys every 200 ms through one member after another, like a small application. */
function startLoad(endpoints: string[], Client: typeof MemberClient): { stop(): Promise<void> } {
  const opts = resolveConnectionOptions({ endpoints: endpoints.join(','), commandTimeout: '2s', dialTimeout: '1s' });
  const clients = endpoints.map((e) => new Client(e, opts));
  let i = 0;
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    const c = clients[i % clients.length]!;
    const key = `/demo/app/key-${i % 200}`;
    i++;
    running = c
      .put(key, JSON.stringify({ n: i, at: new Date().toISOString(), pad: 'x'.repeat(64 + (i % 256)) }))
      .then(() => c.get(key, { serializable: true }))
      .catch(() => undefined);
  }, 200);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      for (const c of clients) c.close();
    },
  };
}
