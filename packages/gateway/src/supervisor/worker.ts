// Entry of a gateway worker process forked by the supervisor (supervisor.ts): it imports only the gateway, which keeps its
// memory small. The primary hands it the config (with certificate and key files already read) and the listening sockets,
// so a worker that switched to an unprivileged user still reloads configs and listeners it could not open itself.
import cluster from 'node:cluster';
import { errorMessage } from '@etcd-monitor/core';
import { Gateway } from '../gateway.ts';
import { createLogger } from '../observability/log.ts';
import type { WorkerMessage } from './messages.ts';
import { upstreamStatus } from '../admin/backend.ts';
import { dropPrivileges } from '../privileges.ts';
import { IpcStore } from '../plugins/limit/ipc.ts';
import { useProcessStore } from '../plugins/limit/store.ts';
import type { HealthSnapshot } from '../upstream/shared-health.ts';

const id = cluster.worker?.id ?? 0;
const send = (m: WorkerMessage) => process.send?.(m);
let gw: Gateway | undefined;
// Verdicts that arrive while the gateway is starting are applied once it runs.
let health: HealthSnapshot | undefined;
let seq = 0;
// Limits count in the supervisor when there are several workers; a lone worker keeps the in-process count, which costs no IPC.
let limits: IpcStore | undefined;
const binds = new Map<number, { resolve(h: object): void; reject(e: Error): void }>();
const bind = (key: string, host: string, port: number) =>
  new Promise<object>((resolve, reject) => {
    binds.set(++seq, { resolve, reject });
    send({ type: 'bind', id: seq, key, host, port });
  });

async function start(m: Extract<WorkerMessage, { type: 'start' }>): Promise<void> {
  const { config } = m;
  const log = createLogger(config.basic.log_level, process.stderr, { worker: id });
  if (m.workers > 1) useProcessStore((limits = new IpcStore(send)));
  try {
    gw = await Gateway.start(config, { log, admin: false, bind, sharedHealth: health ?? m.health, balanceOffset: m.slot });
    if (health) gw.setHealth(health);
    // The listeners are bound (the supervisor holds the sockets, see sockets.ts): root is not needed any more.
    const ids = dropPrivileges(config.basic, gw.accessLogFiles());
    if (ids) log.info({ user: config.basic.user, group: config.basic.group, ...ids }, 'switched user and group');
  } catch (err) {
    // The primary reports this line and exits when the gateway is starting; later it restarts the worker with backoff.
    process.stderr.write(`etcd-monitor gateway: ${errorMessage(err)}\n`);
    process.exit(1);
  }
  send({ type: 'ready' });
}

process.on('message', (m: WorkerMessage, handle?: object) => {
  if (m.type === 'start') void start(m);
  else if (m.type === 'limit-results') limits?.answered(m);
  else if (m.type === 'bound') {
    const b = binds.get(m.id);
    binds.delete(m.id);
    if (m.code || !handle) b?.reject(Object.assign(new Error(m.code ?? 'no socket'), { code: m.code }));
    else b?.resolve(handle);
  } else if (m.type === 'stop') {
    void (gw ? gw.stop() : Promise.resolve()).then(() => process.exit(0));
  } else if (m.type === 'health') {
    health = m.snapshot;
    gw?.setHealth(m.snapshot);
  } else if (!gw) return;
  else if (m.type === 'reload') {
    void gw.reload(m.config).then((r) => send({ type: 'reloaded', id: m.id, ok: r.ok, issues: r.issues }));
  } else if (m.type === 'metrics') {
    send({ type: 'metrics-text', id: m.id, text: gw.metrics.registry.render() });
  } else if (m.type === 'upstreams') {
    send({ type: 'upstreams-status', id: m.id, status: upstreamStatus(gw) });
  }
});
// Signals go to the primary, which coordinates; a worker ignores them so a terminal's Ctrl-C does not cut requests short.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.on('SIGTERM', () => {});
// A primary that died cannot coordinate any more: drain and leave.
process.on('disconnect', () => void (gw ? gw.stop() : Promise.resolve()).then(() => process.exit(0)));
send({ type: 'hello' });
