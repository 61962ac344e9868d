// Entry of a gateway worker process forked by the primary (see cluster.ts): it imports only the gateway, which keeps its memory small.
import { errorMessage } from '@etcd-monitor/core';
import { loadConfigFile } from './config/load.ts';
import { formatIssue } from './config/fields.ts';
import { Gateway } from './gateway.ts';
import { createLogger, type LogLevel } from './observability/log.ts';
import type { WorkerMessage } from './cluster.ts';
import { upstreamStatus } from './admin/admin.ts';
import { dropPrivileges } from './privileges.ts';

const file = process.argv[2]!;
const { config } = loadConfigFile(file);
const log = createLogger(config.basic.log_level as LogLevel, process.stderr, { worker: process.env.NODE_UNIQUE_ID ?? '' });
let gw: Gateway;
try {
  gw = await Gateway.start(config, { configFile: file, log, admin: false });
  // The listeners are bound (the primary holds the sockets, see cluster.ts): root is not needed any more.
  const ids = dropPrivileges(config.basic, gw.accessLogFiles());
  if (ids) log.info({ user: config.basic.user, group: config.basic.group, ...ids }, 'switched user and group');
} catch (err) {
  // The primary reports this line and exits: a worker that cannot start (port taken, bad certificate) is not retried.
  process.stderr.write(`etcd-monitor gateway: ${errorMessage(err)}\n`);
  process.exit(1);
}
const send = (m: WorkerMessage) => process.send?.(m);

process.on('message', (m: WorkerMessage) => {
  if (m.type === 'reload') {
    void gw.reload().then((r) => send({ type: 'reloaded', id: m.id, ok: r.ok, errors: r.issues.map(formatIssue) }));
  } else if (m.type === 'metrics') {
    send({ type: 'metrics-text', id: m.id, text: gw.metrics.registry.render() });
  } else if (m.type === 'upstreams') {
    send({ type: 'upstreams-status', id: m.id, status: upstreamStatus(gw) });
  } else if (m.type === 'stop') {
    void gw.stop().then(() => process.exit(0));
  }
});
// Signals go to the primary, which coordinates; a worker ignores them so a terminal's Ctrl-C does not cut requests short.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.on('SIGTERM', () => {});
// A primary that died cannot coordinate any more: drain and leave.
process.on('disconnect', () => void gw.stop().then(() => process.exit(0)));
send({ type: 'ready' });
