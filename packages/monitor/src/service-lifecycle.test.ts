// Building and starting the monitor are separate steps, and a step that throws leaves nothing behind: no timer, no
// etcd connection, no open store. Resources are read from the process itself (its active handles and the file
// descriptors open on the store), so whatever part of the service forgot to close shows up.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { isAppError } from '@etcd-monitor/core';
import { tempDir, until } from '@etcd-monitor/core/testing';
import { useCluster } from '@etcd-monitor/etcd/testing';
import { parseConfig } from './config.ts';
import { buildMonitor, createMonitor } from './service.ts';

const ENV = { ETCD_MONITOR_SECRET_KEY: 'lifecycle-test' };

/** running counts what the process has running that a monitor could have left: timers and TCP sockets. */
function running(): { timers: number; sockets: number } {
  const r = process.getActiveResourcesInfo();
  return { timers: r.filter((x) => x === 'Timeout').length, sockets: r.filter((x) => x === 'TCPSocketWrap').length };
}

/** openOn lists this process's file descriptors open on files under dir (the store, its WAL, the outbox). */
function openOn(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // Closed while listing (the readdir's own descriptor).
    }
  }
  return out;
}

describe('building, starting and stopping the monitor', () => {
  const cluster = useCluster({ members: 1 });
  const config = (dataDir: string, extra: Record<string, unknown> = {}) =>
    parseConfig({
      server: { listen: '127.0.0.1:0', data_dir: dataDir },
      clusters: [{ name: 'main', endpoints: cluster.get().endpoints, status_interval: '200ms', probe_interval: '200ms', metrics_interval: '1s', timeout: '1s' }],
      ...extra,
    });

  test('createMonitor starts nothing: no cluster is watched and no timer runs until start()', async (t) => {
    const dataDir = tempDir('monitor-build', t);
    const before = running();
    const svc = await createMonitor(config(dataDir), { env: ENV });
    try {
      assert.deepEqual(svc.registry.list(), []);
      assert.deepEqual(running(), before, 'building started a timer or a connection');
      await svc.start();
      assert.deepEqual(
        svc.registry.list().map((c) => c.name),
        ['main'],
      );
      await until('the cluster answers', () => svc.registry.get('main').leader);
    } finally {
      await svc.stop();
    }
    await until('everything the start opened is closed', () => {
      const now = running();
      return now.timers <= before.timers && now.sockets <= before.sockets;
    });
    assert.deepEqual(openOn(dataDir), []);
  });

  test('a taken port: listen() fails with MON_LISTEN and stop() leaves no timer, connection or open store', async (t) => {
    const dataDir = tempDir('monitor-port', t);
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    t.after(() => busy.close());
    const port = (busy.address() as { port: number }).port;
    const before = running();
    // Monitoring runs (etcd connections, loops, delivery) before the listen that fails: the partial start stop() must undo.
    const svc = await buildMonitor(config(dataDir, { server: { listen: `127.0.0.1:${port}`, data_dir: dataDir } }), { env: ENV });
    await until('the cluster answers', () => svc.registry.get('main').leader);
    await assert.rejects(svc.listen(), (err) => isAppError(err, 'MON_LISTEN'));
    await svc.stop();
    await svc.stop(); // twice is harmless
    await until('everything the start opened is closed', () => {
      const now = running();
      return now.timers <= before.timers && now.sockets <= before.sockets;
    });
    assert.throws(
      () => svc.store.flush(),
      (err) => isAppError(err, 'MON_STORE_CLOSED'),
    );
    assert.deepEqual(openOn(dataDir), []);
    await assert.rejects(svc.start(), (err) => isAppError(err, 'MON_STOPPED'));
  });

  test('a step of the start that throws stops what the start had begun (clusters already watched, delivery, the store)', async (t) => {
    const dataDir = tempDir('monitor-start', t);
    // A TLS file readable when the config was checked and gone when the cluster starts: the second cluster's start
    // throws after the first one is already connected.
    const ca = join(dataDir, 'gone-ca.pem');
    writeFileSync(ca, 'not used\n');
    const cfg = config(dataDir);
    cfg.clusters.push({ ...cfg.clusters[0]!, name: 'tls', endpoints: ['https://127.0.0.1:1'], cacert: ca });
    rmSync(ca);
    const before = running();
    await assert.rejects(buildMonitor(cfg, { env: ENV }), (err) => (err as NodeJS.ErrnoException).code === 'ENOENT');
    await until('everything the start opened is closed', () => {
      const now = running();
      return now.timers <= before.timers && now.sockets <= before.sockets;
    });
    assert.deepEqual(openOn(dataDir), [], 'the store and the outbox are closed');
  });
});
