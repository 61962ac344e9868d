// The process model through the `etcd-monitor gateway` command: supervision of crashed workers, the listening sockets the
// primary keeps, reloads of admin settings, the reload counter, the process log, and health checks shared by the workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { childrenOf, echo, freePort, request, spawnGateway, startUpstream, waitFor } from './test-helpers.ts';

/** stream keeps `clients` loops sending requests on fresh connections until stopped, and counts the outcomes by error code. */
function stream(port: number, clients = 4): { counts: Map<string, number>; stop(): Promise<void> } {
  const counts = new Map<string, number>();
  let running = true;
  const loop = async () => {
    while (running) {
      let outcome: string;
      try {
        outcome = String((await request(port)).status);
      } catch (err) {
        outcome = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      }
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return {
    counts,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

test('one worker, no admin listener: a worker killed with -9 is restarted, no connection is refused meanwhile, and the pid file goes on stop', async (t) => {
  const up = await startUpstream('u');
  t.after(() => up.close());
  const port = await freePort();
  const gw = spawnGateway(t, `
[basic]
threads = 1
admin_addr = ""
pid_file = "gw.pid"
watch = false
log_level = "info"
[upstreams.u]
addrs = ["${up.addr}"]
[locations.l]
upstream = "u"
[servers.main]
addr = "127.0.0.1:${port}"
locations = ["l"]
`);
  await waitFor(async () => (await request(port).catch(() => undefined))?.status === 200, 30_000, () => `the gateway to serve (stderr: ${gw.stderr()})`);
  const [first] = childrenOf(gw.pid);
  assert.ok(first, 'one worker');
  const s = stream(port);
  t.after(() => s.stop());
  await waitFor(() => (s.counts.get('200') ?? 0) >= 20, 10_000, 'requests flowing');
  process.kill(first, 'SIGKILL');
  let after = 0;
  await waitFor(() => {
    const kids = childrenOf(gw.pid);
    if (kids.length === 1 && kids[0] !== first && after === 0) after = s.counts.get('200') ?? 0;
    return after > 0 && (s.counts.get('200') ?? 0) >= after + 50;
  }, 30_000, () => `a new worker serving (children ${childrenOf(gw.pid).join(' ')}, outcomes ${JSON.stringify([...s.counts])}, primary exit ${gw.child.exitCode}, stderr: ${gw.stderr()})`);
  await s.stop();
  t.diagnostic(`outcomes: ${JSON.stringify([...s.counts])}`);
  assert.equal(s.counts.get('ECONNREFUSED') ?? 0, 0, `no connection refused while the worker restarted (outcomes ${JSON.stringify([...s.counts])})`);
  assert.match(gw.stderr(), /worker exited; starting a new one/);
  assert.equal(echo(await request(port)).name, 'u');
  gw.child.kill('SIGTERM');
  assert.equal(await gw.exited, 0, gw.stderr());
  assert.equal(existsSync(join(gw.dir, 'gw.pid')), false, 'the pid file is removed');
});
